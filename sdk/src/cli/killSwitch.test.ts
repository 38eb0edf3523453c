import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { KillSwitchError, killSwitchRuleset } from "./killSwitch.ts";

describe("kill switch ruleset", () => {
  it("drops all output but loopback, the tunnel and the allowed flows, replacing the table atomically", () => {
    const text = killSwitchRuleset({
      table: "dvpn_client",
      iface: "dvpn7",
      allow: [
        { address: "203.0.113.5", port: 51820, protocol: "udp" },
        { address: "2001:db8::1", port: 443, protocol: "tcp" },
      ],
    });
    assert.deepEqual(text.split("\n").slice(0, 3), [
      "add table inet dvpn_client",
      "delete table inet dvpn_client",
      "table inet dvpn_client {",
    ]);
    assert.match(text, /type filter hook output priority 0; policy drop;/);
    assert.match(text, /oifname "lo" accept/);
    assert.match(text, /oifname "dvpn7" accept/);
    assert.match(text, /ip daddr 203\.0\.113\.5 udp dport 51820 accept/);
    assert.match(text, /ip6 daddr 2001:db8::1 tcp dport 443 accept/);
    // DNS outside the tunnel is dropped before any allowed flow is looked at.
    const lines = text.split("\n").map((l) => l.trim());
    const dns = lines.indexOf("meta l4proto { tcp, udp } th dport 53 drop");
    assert.ok(dns > lines.indexOf('oifname "dvpn7" accept'));
    assert.ok(dns < lines.findIndex((l) => l.startsWith("ip daddr 203.0.113.5")));
  });

  it("lets only the given flows into an outer tunnel (two hops' entry), after the DNS drop", () => {
    const text = killSwitchRuleset({
      table: "dvpn_client",
      iface: "dvexit",
      allow: [{ address: "203.0.113.5", port: 51820, protocol: "udp" }],
      outer: {
        iface: "dventry",
        allow: [
          { address: "198.51.100.9", port: 51820, protocol: "udp" },
          { address: "10.78.0.1", port: 51830, protocol: "tcp" },
        ],
      },
    });
    const lines = text.split("\n").map((l) => l.trim());
    assert.ok(lines.includes('oifname "dvexit" accept'));
    assert.ok(!lines.includes('oifname "dventry" accept'), "the entry must not carry everything");
    const inner = lines.indexOf('oifname "dventry" ip daddr 198.51.100.9 udp dport 51820 accept');
    assert.ok(inner > lines.indexOf("meta l4proto { tcp, udp } th dport 53 drop"));
    assert.ok(lines.includes('oifname "dventry" ip daddr 10.78.0.1 tcp dport 51830 accept'));
    assert.ok(lines.includes("ip daddr 203.0.113.5 udp dport 51820 accept"));
    assert.throws(
      () => killSwitchRuleset({ table: "dvpn_client", iface: "dvexit", allow: [], outer: { iface: "-x", allow: [] } }),
      KillSwitchError,
    );
  });

  it("refuses to let a flow on port 53 out beside the tunnel", () => {
    for (const protocol of ["udp", "tcp"] as const) {
      assert.throws(
        () =>
          killSwitchRuleset({
            table: "dvpn_client",
            iface: "dvpn7",
            allow: [{ address: "203.0.113.5", port: 53, protocol }],
          }),
        /nothing on port 53 may leave outside it/,
      );
    }
  });

  it("refuses anything that is not an address, a port or an interface name", () => {
    const ok = { table: "dvpn_client", iface: "dvpn7", allow: [] };
    assert.throws(() => killSwitchRuleset({ ...ok, iface: 'x"; flush ruleset' }), KillSwitchError);
    assert.throws(() => killSwitchRuleset({ ...ok, table: "bad table" }), KillSwitchError);
    assert.throws(
      () => killSwitchRuleset({ ...ok, allow: [{ address: "1.2.3.4 accept", port: 1, protocol: "tcp" }] }),
      KillSwitchError,
    );
    assert.throws(
      () => killSwitchRuleset({ ...ok, allow: [{ address: "1.2.3.4", port: 70000, protocol: "udp" }] }),
      KillSwitchError,
    );
  });
});
