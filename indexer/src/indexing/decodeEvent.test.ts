import assert from "node:assert/strict";
import { test } from "node:test";
import {
  decodeEventLog,
  encodeAbiParameters,
  encodeEventTopics,
  type Abi,
  type AbiEvent,
  type AbiParameter,
  type Hex,
} from "viem";
import { createEventDecoder } from "./decodeEvent.ts";
import { INDEXED_ABIS } from "./decodeLogs.ts";

/** A sample value of an ABI parameter (`seed` varies it), as viem encodes it. */
function sample(p: AbiParameter, seed: number): unknown {
  const array = /^(.*)\[(\d*)\]$/.exec(p.type);
  if (array) {
    const length = array[2] ? Number(array[2]) : 1 + (seed % 3);
    return Array.from({ length }, (_, i) => sample({ ...p, type: array[1]! }, seed + i));
  }
  if (p.type === "tuple") {
    const components = (p as { components: readonly AbiParameter[] }).components;
    return Object.fromEntries(components.map((c, i) => [c.name, sample(c, seed + i)]));
  }
  if (p.type === "address") return `0x${((seed * 2654435761) % 2 ** 32).toString(16).padStart(8, "0").repeat(5)}`;
  if (p.type === "bool") return seed % 2 === 1;
  if (p.type === "string") return `value ${seed}`;
  if (p.type === "bytes") return `0x${"ab".repeat(seed % 5)}`;
  const bytes = /^bytes(\d+)$/.exec(p.type);
  if (bytes) return `0x${(seed % 256).toString(16).padStart(2, "0").repeat(Number(bytes[1]))}`;
  const uint = /^uint(\d+)$/.exec(p.type);
  if (uint) {
    const bits = Number(uint[1]);
    const max = (1n << BigInt(bits)) - 1n;
    const v = seed % 3 === 0 ? max : (BigInt(seed) * 977n) & max;
    return bits <= 48 ? Number(v) : v;
  }
  throw new Error(`no sample for ${p.type}`);
}

/** A log of `event` with sample arguments: its topics and data. */
function logOf(event: AbiEvent, seed: number): { topics: Hex[]; data: Hex } {
  const args = Object.fromEntries(event.inputs.map((p, i) => [p.name, sample(p, seed + i)]));
  const indexed = event.inputs.filter((p) => p.indexed);
  const plain = event.inputs.filter((p) => !p.indexed);
  const topics = encodeEventTopics({
    abi: [event],
    eventName: event.name,
    args: Object.fromEntries(indexed.map((p) => [p.name, args[p.name!]])),
  } as Parameters<typeof encodeEventTopics>[0]) as Hex[];
  const data = encodeAbiParameters(
    plain,
    plain.map((p) => args[p.name!]),
  );
  return { topics, data };
}

const viem = (abi: Abi, topics: Hex[], data: Hex) => {
  try {
    const { eventName, args } = decodeEventLog({ abi, topics: topics as [Hex, ...Hex[]], data });
    return { eventName, args };
  } catch {
    return undefined;
  }
};

for (const [contract, abi] of Object.entries(INDEXED_ABIS) as [string, Abi][]) {
  test(`${contract}: every event decodes as viem's decodeEventLog decodes it`, () => {
    const decode = createEventDecoder(abi);
    const events = abi.filter((item): item is AbiEvent => item.type === "event");
    assert.ok(events.length > 0);
    for (const event of events) {
      for (const seed of [1, 2, 3]) {
        const { topics, data } = logOf(event, seed);
        const expected = viem(abi, topics, data);
        assert.ok(expected, `${event.name}: viem decodes the sample`);
        assert.deepEqual(decode(topics, data), expected, `${event.name} seed ${seed}`);
        // Malformed: no data where some is needed, and an extra word of data.
        assert.deepEqual(decode(topics, "0x"), viem(abi, topics, "0x"), `${event.name} without data`);
        const longer = `${data}${"00".repeat(32)}` as Hex;
        assert.deepEqual(decode(topics, longer), viem(abi, topics, longer), `${event.name} with an extra word`);
        if (topics.length > 1) {
          const fewer = topics.slice(0, -1);
          assert.deepEqual(decode(fewer, data), viem(abi, fewer, data), `${event.name} missing a topic`);
        }
      }
    }
  });
}

test("a log of an unknown event, or with bits above its integer's width, decodes as viem decodes it", () => {
  const abi: Abi = INDEXED_ABIS.registry;
  const decode = createEventDecoder(abi);
  assert.equal(decode([`0x${"12".repeat(32)}`], "0x"), undefined);
  assert.equal(decode([], "0x"), undefined);
  const heartbeat = abi.find((e): e is AbiEvent => e.type === "event" && e.name === "Heartbeat")!;
  const { topics } = logOf(heartbeat, 1);
  // uint40 timestamp with a bit set above 40 bits: viem reads the whole word.
  const wide = `0x${"0".repeat(40)}${"1".padStart(24, "f")}` as Hex;
  assert.deepEqual(decode(topics, wide), viem(abi, topics, wide));
  // Topics are compared as the node sends them (lower-case hex), as viem compares them.
  const upper = topics.map((t) => `0x${t.slice(2).toUpperCase()}`) as Hex[];
  const one = `0x${"1".padStart(64, "0")}` as Hex;
  assert.deepEqual(decode(upper, one), viem(abi, upper, one));
});
