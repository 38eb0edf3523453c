/**
 * The little of the DNS wire format (RFC 1035) the forwarder needs: check that a datagram is one
 * standard query, build an error answer to it, and check that an upstream answer belongs to it.
 * Messages are forwarded as they are; nothing here decodes records.
 */
import { AgentError } from "../errors.ts";

/** Response codes the forwarder answers with itself. */
export const RCODE = { FORMERR: 1, SERVFAIL: 2, NOTIMP: 4, REFUSED: 5 } as const;

/** The header is 12 bytes: id, flags, then four section counts. */
export const HEADER_BYTES = 12;

/** A query that passed {@link parseQuery}. */
export interface DnsQuery {
  id: number;
  /** The question's name in lower case, dot-separated, "" for the root. */
  name: string;
  type: number;
  class: number;
  /** The question section's bytes (name, type, class), as the client sent them. */
  question: Buffer;
}

/** Why a datagram is not a query the forwarder passes on; `rcode` is what to answer. */
export class DnsQueryError extends AgentError {
  override name = "DnsQueryError";
  readonly rcode: number;
  constructor(message: string, rcode: number) {
    super(message);
    this.rcode = rcode;
  }
}

/**
 * Reads the question of a standard query: QR clear, opcode QUERY, one question, no answer or
 * authority records (an EDNS OPT record in the additional section is allowed), a name of
 * uncompressed labels of at most 63 bytes and 255 in all.
 * @param msg the datagram (or the TCP message without its length prefix).
 * @returns the query.
 * @throws DnsQueryError with FORMERR, NOTIMP (another opcode) or REFUSED (a response sent to us).
 */
export function parseQuery(msg: Buffer): DnsQuery {
  if (msg.length < HEADER_BYTES) throw new DnsQueryError("shorter than a DNS header", RCODE.FORMERR);
  const flags = msg.readUInt16BE(2);
  if (flags & 0x8000) throw new DnsQueryError("a response, not a query", RCODE.REFUSED);
  const opcode = (flags >> 11) & 0xf;
  if (opcode !== 0) throw new DnsQueryError(`opcode ${opcode} is not QUERY`, RCODE.NOTIMP);
  const [qd, an, ns] = [msg.readUInt16BE(4), msg.readUInt16BE(6), msg.readUInt16BE(8)];
  if (qd !== 1 || an !== 0 || ns !== 0) {
    throw new DnsQueryError(`${qd} questions, ${an} answers, ${ns} authority records`, RCODE.FORMERR);
  }
  const labels: string[] = [];
  let at = HEADER_BYTES;
  let nameBytes = 0;
  for (;;) {
    if (at >= msg.length) throw new DnsQueryError("name runs past the end", RCODE.FORMERR);
    const len = msg[at]!;
    if (len === 0) break;
    if (len > 63) throw new DnsQueryError("compressed or oversized label in the question", RCODE.FORMERR);
    nameBytes += len + 1;
    if (nameBytes > 254) throw new DnsQueryError("name longer than 255 bytes", RCODE.FORMERR);
    if (at + 1 + len > msg.length) throw new DnsQueryError("label runs past the end", RCODE.FORMERR);
    labels.push(msg.toString("latin1", at + 1, at + 1 + len).toLowerCase());
    at += 1 + len;
  }
  at += 1;
  if (at + 4 > msg.length) throw new DnsQueryError("question has no type and class", RCODE.FORMERR);
  return {
    id: msg.readUInt16BE(0),
    name: labels.join("."),
    type: msg.readUInt16BE(at),
    class: msg.readUInt16BE(at + 2),
    question: msg.subarray(HEADER_BYTES, at + 4),
  };
}

/**
 * The forwarder's own answer to a message: same id, QR set, opcode and RD copied, RA set,
 * `rcode`, and the question echoed when there is one that parses.
 * @param msg what the client sent.
 * @param rcode the response code.
 * @returns the answer, or undefined when `msg` is too short to answer at all.
 */
export function errorReply(msg: Buffer, rcode: number): Buffer | undefined {
  if (msg.length < HEADER_BYTES) return undefined;
  let question: Buffer = Buffer.alloc(0);
  try {
    question = parseQuery(msg).question;
  } catch {
    /* answer without the question */
  }
  const out = Buffer.alloc(HEADER_BYTES + question.length);
  const flags = msg.readUInt16BE(2);
  out.writeUInt16BE(msg.readUInt16BE(0), 0);
  // QR | opcode (copied) | RD (copied) | RA | rcode
  out.writeUInt16BE(0x8000 | (flags & 0x7800) | (flags & 0x0100) | 0x0080 | (rcode & 0xf), 2);
  out.writeUInt16BE(question.length ? 1 : 0, 4);
  question.copy(out, HEADER_BYTES);
  return out;
}

/**
 * Whether an upstream answer is the answer to `query` sent with id `id`: a response with that id
 * whose question is the query's (names compared without case).
 * @param answer the upstream's message.
 * @param id the id the query went upstream with.
 * @param query the query.
 * @returns true when it matches.
 */
export function answers(answer: Buffer, id: number, query: DnsQuery): boolean {
  if (answer.length < HEADER_BYTES + query.question.length) return false;
  if (answer.readUInt16BE(0) !== id || !(answer.readUInt16BE(2) & 0x8000)) return false;
  if (answer.readUInt16BE(4) !== 1) return false;
  const q = answer.subarray(HEADER_BYTES, HEADER_BYTES + query.question.length);
  return q.toString("latin1").toLowerCase() === query.question.toString("latin1").toLowerCase();
}

/**
 * A copy of `msg` with another id.
 * @param msg the message.
 * @param id the new id.
 * @returns the copy.
 */
export function withId(msg: Buffer, id: number): Buffer {
  const out = Buffer.from(msg);
  out.writeUInt16BE(id, 0);
  return out;
}

/**
 * A standard query for `name` (tests and probes).
 * @param name a domain name such as "example.com".
 * @param type the record type (1: A, 28: AAAA).
 * @param id the id.
 * @returns the message.
 */
export function buildQuery(name: string, type = 1, id = 0x1234): Buffer {
  const labels = name.split(".").filter(Boolean);
  const parts = [Buffer.from([id >> 8, id & 255, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const l of labels) parts.push(Buffer.from([l.length]), Buffer.from(l, "latin1"));
  parts.push(Buffer.from([0, type >> 8, type & 255, 0, 1]));
  return Buffer.concat(parts);
}
