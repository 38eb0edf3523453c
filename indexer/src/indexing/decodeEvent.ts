import { decodeEventLog, toEventSelector, type Abi, type AbiEvent, type AbiParameter, type Hex } from "viem";
import { checksum } from "./checksum.ts";

/** An event log decoded as viem's `decodeEventLog` (strict) decodes it. */
export interface DecodedEvent {
  eventName: string;
  args: Record<string, unknown> | undefined;
}

/** Decodes the logs of one contract: undefined for a log none of its events matches (or malformed). */
export type EventDecoder = (topics: readonly string[], data: string) => DecodedEvent | undefined;

/** Words of 32 bytes, as hex digits. */
const WORD = 64;
/** `uintN` with N ≤ 48 decodes to a number (as viem does), wider ones to a bigint. */
const UINT = /^uint(\d+)$/;

/** A static one-word parameter decoded straight from its 64 hex digits, or undefined when it has no fast path. */
function wordReader(param: AbiParameter): ((word: string) => unknown) | undefined {
  if (param.type === "address") return (w) => checksum(`0x${w.slice(WORD - 40)}`);
  const bits = UINT.exec(param.type)?.[1];
  if (bits === undefined) return undefined;
  const width = Number(bits);
  // A value wider than its type is malformed: viem's decoding would accept it, so take the slow path.
  const lead = WORD - width / 4;
  if (width <= 48) return (w) => (/^0*$/.test(w.slice(0, lead)) ? parseInt(w.slice(lead), 16) : undefined);
  return (w) => (/^0*$/.test(w.slice(0, lead)) ? BigInt(`0x${w}`) : undefined);
}

/** Whether viem hands an indexed parameter of this type back as its raw topic (a hash). */
const keptAsTopic = (p: AbiParameter) =>
  p.type === "string" || p.type === "bytes" || p.type === "tuple" || /^(.*)\[(\d+)?\]$/.test(p.type);

/** How one event of the ABI is decoded, prepared once. */
function eventPlan(event: AbiEvent) {
  const indexed = event.inputs.filter((p) => "indexed" in p && p.indexed === true);
  const plain = event.inputs.filter((p) => !("indexed" in p && p.indexed === true));
  const unnamed = event.inputs.some((p) => !p.name);
  const topicReaders = indexed.map((p) => (keptAsTopic(p) ? (t: string) => t : wordReader(p)));
  const dataReaders = plain.map(wordReader);
  const fastData = dataReaders.every((r) => r !== undefined);
  const fastTopics = topicReaders.every((r) => r !== undefined);
  return { event, indexed, plain, unnamed, topicReaders, dataReaders, fastData, fastTopics };
}
type Plan = ReturnType<typeof eventPlan>;

/** Any other log of a known event: viem's strict decoding of that one event (throws when malformed). */
function decodeSlow(plan: Plan, topics: readonly string[], data: string): DecodedEvent {
  const { eventName, args } = decodeEventLog({
    abi: [plan.event],
    topics: topics as [Hex, ...Hex[]],
    data: data as Hex,
  });
  return { eventName, args: args as Record<string, unknown> | undefined };
}

/**
 * A decoder for the events of `abi`: the event is found by its first topic in a map built once
 * (viem's `decodeEventLog` hashes every event's signature for every log), and events whose
 * arguments are addresses and unsigned integers are read straight from the hex. The result
 * equals viem's strict `decodeEventLog` (decodeEvent.test.ts); a log it cannot decode gives
 * undefined. Events with unnamed inputs are not supported (the contracts name every input).
 */
export function createEventDecoder(abi: Abi): EventDecoder {
  const plans = new Map<string, Plan>();
  for (const item of abi) {
    if (item.type !== "event" || item.anonymous) continue;
    const plan = eventPlan(item);
    if (plan.unnamed) throw new Error(`event ${item.name} has unnamed inputs`);
    plans.set(toEventSelector(item), plan);
  }
  return (topics, data) => {
    const plan = topics[0] === undefined ? undefined : plans.get(topics[0]);
    if (!plan) return undefined;
    try {
      const { indexed, plain, topicReaders, dataReaders } = plan;
      if (
        plan.fastTopics &&
        plan.fastData &&
        topics.length - 1 >= indexed.length &&
        topics.every((t) => t.length === 2 + WORD)
      ) {
        const hex = data.startsWith("0x") ? data.slice(2) : data;
        if (hex.length >= plain.length * WORD && (plain.length === 0 || hex.length % WORD === 0)) {
          const args: Record<string, unknown> = {};
          let ok = true;
          for (let i = 0; i < indexed.length && ok; i++) {
            const v = topicReaders[i]!(topics[i + 1]!.slice(2));
            if (v === undefined) ok = false;
            else args[indexed[i]!.name!] = keptAsTopic(indexed[i]!) ? topics[i + 1] : v;
          }
          for (let i = 0; i < plain.length && ok; i++) {
            const v = dataReaders[i]!(hex.slice(i * WORD, (i + 1) * WORD));
            if (v === undefined) ok = false;
            else args[plain[i]!.name!] = v;
          }
          if (ok) return { eventName: plan.event.name, args: Object.keys(args).length > 0 ? args : undefined };
        }
      }
      return decodeSlow(plan, topics, data);
    } catch {
      return undefined;
    }
  };
}
