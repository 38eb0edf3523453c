/** A leg's wg-quick config: the leg's keys, addresses and provider, with what each tunnel sets. */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { LocalAccount } from "viem";
import type { TunnelLeg } from "../tunnel/createVpnConnection.ts";
import { parseTunnelAddress } from "../wireguard/config.ts";
import { generateWgKeyPair } from "../wireguard/keys.ts";
import { renderLegConfig } from "./legConfig.ts";

const keys = generateWgKeyPair();
const providerKey = generateWgKeyPair().publicKey;
const tunnel = parseTunnelAddress("10.77.0.2/16,fd77:dead:beef::2/64");
const leg = {
  provider: { wgPublicKeyBase64: providerKey, endpoint: "gw.example.org:51820" },
  keys,
  signer: {} as LocalAccount,
  tunnel: { ...tunnel, gateway: tunnel.gateway! },
} as unknown as TunnelLeg;

test("a leg's config: its key and addresses, the provider's key and endpoint, no DNS line", () => {
  assert.equal(
    renderLegConfig(leg),
    [
      "[Interface]",
      `PrivateKey = ${keys.privateKey}`,
      "Address = 10.77.0.2/16, fd77:dead:beef::2/64",
      "",
      "[Peer]",
      `PublicKey = ${providerKey}`,
      "Endpoint = gw.example.org:51820",
      "AllowedIPs = 0.0.0.0/0, ::/0",
      "PersistentKeepalive = 25",
      "",
    ].join("\n"),
  );
});

test("a leg's config takes another endpoint, routes, MTU and firewall mark", () => {
  const text = renderLegConfig(leg, {
    endpoint: "127.0.0.1:40000",
    allowedIPs: ["10.77.0.1/32"],
    mtu: 1340,
    fwMark: 51821,
  });
  assert.match(text, /\nMTU = 1340\nFwMark = 51821\n/);
  assert.match(text, /\nEndpoint = 127\.0\.0\.1:40000\nAllowedIPs = 10\.77\.0\.1\/32\n/);
  assert.doesNotMatch(text, /DNS|gw\.example\.org/);
});
