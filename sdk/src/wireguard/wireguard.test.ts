import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { InvalidInputError } from "../errors/input.ts";
import { parseTunnelAddress, renderWgQuickConfig } from "./config.ts";
import { bytes32ToWgKey, generateWgKeyPair, isWgKey, wgKeyToBytes32, wgPublicKeyOf } from "./keys.ts";

// RFC 7748 section 6.1 test vector (Alice), in WireGuard's base64 notation.
const ALICE_PRIVATE = Buffer.from("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", "hex").toString(
  "base64",
);
const ALICE_PUBLIC = Buffer.from("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", "hex").toString(
  "base64",
);

describe("WireGuard keys", () => {
  it("derives public keys like RFC 7748 and wg pubkey", () => {
    assert.equal(wgPublicKeyOf(ALICE_PRIVATE), ALICE_PUBLIC);
    const pair = generateWgKeyPair();
    assert.equal(wgPublicKeyOf(pair.privateKey), pair.publicKey);
    const wg = spawnSync("wg", ["pubkey"], { input: pair.privateKey + "\n", encoding: "utf8" });
    assert.equal(wg.status, 0, "wg (wireguard-tools) is installed by the project's set-up (scripts/setup.sh)");
    assert.equal(wg.stdout.trim(), pair.publicKey);
  });

  it("converts base64 <-> bytes32 and rejects anything but 32 bytes", () => {
    const hex = wgKeyToBytes32(ALICE_PUBLIC);
    assert.equal(hex, "0x8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    assert.equal(bytes32ToWgKey(hex), ALICE_PUBLIC);
    assert.equal(wgKeyToBytes32(hex.toUpperCase().replace("0X", "0x")), hex);
    for (const bad of [
      "",
      "abc",
      Buffer.alloc(31, 1).toString("base64"),
      Buffer.alloc(33, 1).toString("base64"),
      ALICE_PUBLIC.slice(0, 43) + "!",
      "0x" + "ab".repeat(31),
      Buffer.alloc(32).toString("base64"),
    ]) {
      assert.throws(() => wgKeyToBytes32(bad), InvalidInputError, `should reject ${JSON.stringify(bad)}`);
    }
    assert.throws(() => bytes32ToWgKey("0x1234"), InvalidInputError);
    assert.equal(isWgKey(ALICE_PUBLIC), true);
    assert.equal(isWgKey(ALICE_PUBLIC + "A"), false);
  });
});

describe("wg-quick config", () => {
  const base = {
    privateKey: ALICE_PRIVATE,
    address: "10.77.0.2/16,fd77:dead:beef::2/64",
    peerPublicKey: ALICE_PUBLIC,
    endpoint: "vpn.example.org:51820",
  };

  it("renders a full-tunnel client config", () => {
    const text = renderWgQuickConfig({ ...base, dns: ["1.1.1.1", "2606:4700:4700::1111"], persistentKeepalive: 25 });
    assert.equal(
      text,
      [
        "[Interface]",
        `PrivateKey = ${ALICE_PRIVATE}`,
        "Address = 10.77.0.2/16, fd77:dead:beef::2/64",
        "DNS = 1.1.1.1, 2606:4700:4700::1111",
        "",
        "[Peer]",
        `PublicKey = ${ALICE_PUBLIC}`,
        "Endpoint = vpn.example.org:51820",
        "AllowedIPs = 0.0.0.0/0, ::/0",
        "PersistentKeepalive = 25",
        "",
      ].join("\n"),
    );
    const minimal = renderWgQuickConfig({ ...base, address: ["10.0.0.2/32"], allowedIPs: ["10.77.0.0/16"] });
    assert.doesNotMatch(minimal, /DNS|PersistentKeepalive|MTU|FwMark/);
    assert.match(minimal, /AllowedIPs = 10\.77\.0\.0\/16\n/);
    // The inner tunnel of two hops: a smaller MTU and the mark both tunnels share.
    const inner = renderWgQuickConfig({ ...base, mtu: 1340, fwMark: 51821 });
    assert.match(inner, /\nMTU = 1340\nFwMark = 51821\n\n\[Peer\]/);
  });

  it("refuses values that are malformed or would inject lines", () => {
    const bad: Partial<Parameters<typeof renderWgQuickConfig>[0]>[] = [
      { privateKey: "nope" },
      { peerPublicKey: ALICE_PUBLIC + "\nPostUp = rm -rf /" },
      { address: "10.77.0.2" },
      { address: "10.77.0.2/33" },
      { address: "10.77.0.2/16\n[Peer]" },
      { endpoint: "host:51820\nPostUp = x" },
      { dns: ["one.one.one.one"] },
      { allowedIPs: ["0.0.0.0/0\nPostUp=x"] },
      { persistentKeepalive: -1 },
      { fwMark: 0 },
      { fwMark: 1.5 },
    ];
    for (const patch of bad) assert.throws(() => renderWgQuickConfig({ ...base, ...patch }), InvalidInputError);
  });

  it("parses the tunnel address and finds the gateway", () => {
    assert.deepEqual(parseTunnelAddress("10.77.0.2/16,fd77:dead:beef::2/64"), {
      ipv4: "10.77.0.2/16",
      ipv6: "fd77:dead:beef::2/64",
      gateway: "10.77.0.1",
      addresses: ["10.77.0.2/16", "fd77:dead:beef::2/64"],
    });
    assert.equal(parseTunnelAddress("10.77.3.9/16").gateway, "10.77.0.1");
    assert.equal(parseTunnelAddress("192.168.7.200/24").gateway, "192.168.7.1");
    assert.equal(parseTunnelAddress("200.1.2.3/8").gateway, "200.0.0.1");
    assert.equal(parseTunnelAddress("10.77.0.7/31").gateway, "10.77.0.6");
    assert.equal(parseTunnelAddress("10.77.0.7/32").gateway, "10.77.0.7");
    assert.equal(parseTunnelAddress("10.77.0.7/0").gateway, "0.0.0.1");
    assert.equal(parseTunnelAddress("fd77::5/64").gateway, undefined);
    assert.throws(() => parseTunnelAddress("garbage"), InvalidInputError);
  });
});
