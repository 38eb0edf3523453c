import { test } from "node:test";
import assert from "node:assert/strict";
import { WgArgumentError } from "../errors.ts";
import { buildSetArgs } from "./args.ts";
import { bytes32ToWgKey, isWgKey, wgKeyToBytes32 } from "../../../sdk/src/wireguard/keys.ts";

const K1 = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
const K2 = "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=";

test("buildSetArgs puts several peers in one call and batches", () => {
  const calls = buildSetArgs("dvpn0", {
    upsert: [{ publicKey: K1, allowedIps: ["10.77.0.2/32", "fd77:dead:beef::2/128"] }],
    remove: [K2],
  });
  assert.deepEqual(calls, [
    ["set", "dvpn0", "peer", K2, "remove", "peer", K1, "allowed-ips", "10.77.0.2/32,fd77:dead:beef::2/128"],
  ]);
  const many = Array.from({ length: 5 }, () => ({ publicKey: K1, allowedIps: ["10.0.0.1/32"] }));
  assert.equal(buildSetArgs("dvpn0", { upsert: many, remove: [] }, 2).length, 3);
  assert.deepEqual(buildSetArgs("dvpn0", { upsert: [], remove: [] }), []);
});

test("values crafted to inject into wg arguments are rejected", () => {
  const bad = [
    `${K1} remove`,
    "--help",
    `${K1.slice(0, 43)}\n`,
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", // all zero
    "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dh=", // non-canonical padding bits
    "",
  ];
  for (const key of bad) {
    assert.throws(
      () => buildSetArgs("dvpn0", { upsert: [{ publicKey: key, allowedIps: ["10.0.0.2/32"] }], remove: [] }),
      WgArgumentError,
    );
    assert.throws(() => buildSetArgs("dvpn0", { upsert: [], remove: [key] }), WgArgumentError);
  }
  const badIps = [
    "10.0.0.2/32 peer x remove",
    "10.0.0.2",
    "10.0.0.256/32",
    "10.0.0.2/33",
    "::1/129",
    "-1/32",
    "0.0.0.0/0,",
  ];
  for (const ip of badIps) {
    assert.throws(
      () => buildSetArgs("dvpn0", { upsert: [{ publicKey: K1, allowedIps: [ip] }], remove: [] }),
      WgArgumentError,
      ip,
    );
  }
  assert.throws(
    () => buildSetArgs("dvpn0", { upsert: [{ publicKey: K1, allowedIps: [] }], remove: [] }),
    WgArgumentError,
  );
  for (const name of ["-dvpn", "a b", "dvpn0;rm", "x".repeat(16), ""]) {
    assert.throws(() => buildSetArgs(name, { upsert: [], remove: [] }), WgArgumentError, name);
  }
});

test("bytes32 and base64 keys convert both ways and zero keys are refused", () => {
  const hex = wgKeyToBytes32(K1);
  assert.equal(bytes32ToWgKey(hex), K1);
  assert.ok(isWgKey(K1));
  assert.throws(() => bytes32ToWgKey(`0x${"00".repeat(32)}`), /zero/);
  assert.throws(() => bytes32ToWgKey("0x1234"), /32 bytes/);
});
