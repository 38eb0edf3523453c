import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import {
  lstatSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pointResolverAt, readSavedResolver, resolverFile, restoreResolver } from "./resolvConf.ts";
import { routeResolvers, tunnelResolvers } from "./tunnelDns.ts";
import { tunnelChoices } from "./tunnelChoices.ts";
import { clearLockdown, setLockdown } from "./lockdown.ts";

describe("resolver file for the tunnel", () => {
  const dir = mkdtempSync(join(tmpdir(), "dvpn-resolv-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const backup = join(dir, "state", "resolv.conf.saved.json");

  it("points a file at the tunnel's resolver and puts it back, mode included", () => {
    const file = join(dir, "resolv.conf");
    writeFileSync(file, "nameserver 10.99.3.1\nsearch lan\n", { mode: 0o640 });
    pointResolverAt({ file, servers: ["10.77.0.1"], backup });
    assert.match(readFileSync(file, "utf8"), /^nameserver 10\.77\.0\.1$/m);
    assert.doesNotMatch(readFileSync(file, "utf8"), /10\.99\.3\.1/);
    assert.equal(statSync(backup).mode & 0o777, 0o600);
    // A second run (failover to another gateway) keeps the user's file, not dvpn's.
    pointResolverAt({ file, servers: ["10.78.0.1"], backup });
    assert.match(readFileSync(file, "utf8"), /^nameserver 10\.78\.0\.1$/m);
    assert.equal(readSavedResolver(backup)?.content, "nameserver 10.99.3.1\nsearch lan\n");
    assert.deepEqual(restoreResolver(backup), { path: file, changedMeanwhile: false });
    assert.equal(readFileSync(file, "utf8"), "nameserver 10.99.3.1\nsearch lan\n");
    assert.equal(statSync(file).mode & 0o777, 0o640);
    assert.equal(restoreResolver(backup), undefined, "the backup is gone once restored");
  });

  it("puts back a symbolic link (systemd-resolved) as a link, and removes a file that was not there", () => {
    const target = join(dir, "stub-resolv.conf");
    writeFileSync(target, "nameserver 127.0.0.53\n");
    const link = join(dir, "linked.conf");
    symlinkSync(target, link);
    pointResolverAt({ file: link, servers: ["10.77.0.1"], backup });
    assert.equal(lstatSync(link).isSymbolicLink(), false);
    assert.equal(readFileSync(target, "utf8"), "nameserver 127.0.0.53\n", "the link's target is untouched");
    restoreResolver(backup);
    assert.equal(readlinkSync(link), target);

    const absent = join(dir, "netns", "ns1", "resolv.conf");
    pointResolverAt({ file: absent, servers: ["10.77.0.1"], backup });
    writeFileSync(absent, "nameserver 192.0.2.1\n");
    assert.deepEqual(restoreResolver(backup), { path: absent, changedMeanwhile: true });
    assert.throws(() => statSync(absent), /ENOENT/);
  });

  it("reads DVPN_RESOLV_CONF first", async () => {
    assert.equal(await resolverFile({ DVPN_RESOLV_CONF: "/tmp/x.conf" }), "/tmp/x.conf");
  });
});

describe("which resolver a connection uses", () => {
  it("defaults to the gateway in a full tunnel and to none in a split one", () => {
    assert.deepEqual(tunnelResolvers({ dns: undefined, split: false, gateway: "10.77.0.1" }), ["10.77.0.1"]);
    assert.deepEqual(tunnelResolvers({ dns: undefined, split: true, gateway: "10.77.0.1" }), []);
    assert.deepEqual(tunnelResolvers({ dns: ["gateway"], split: true, gateway: "10.77.0.1" }), ["10.77.0.1"]);
    assert.deepEqual(tunnelResolvers({ dns: ["none"], split: false, gateway: "10.77.0.1" }), []);
    assert.deepEqual(tunnelResolvers({ dns: ["9.9.9.9,gateway"], split: false, gateway: "10.77.0.1" }), [
      "9.9.9.9",
      "10.77.0.1",
    ]);
    assert.throws(
      () => tunnelResolvers({ dns: ["dns.example"], split: false, gateway: "10.77.0.1" }),
      /--dns dns\.example/,
    );
  });

  it("routes a resolver outside the split ranges through the tunnel", () => {
    assert.deepEqual(routeResolvers(["10.0.0.0/8"], ["10.77.0.1"]), ["10.0.0.0/8"]);
    assert.deepEqual(routeResolvers(["192.168.5.0/24"], ["10.77.0.1"]), ["192.168.5.0/24", "10.77.0.1/32"]);
    assert.deepEqual(routeResolvers(["0.0.0.0/0", "::/0"], ["10.77.0.1", "2606:4700::1111"]), ["0.0.0.0/0", "::/0"]);
  });
});

describe("split tunnel and lockdown choices", () => {
  const dir = mkdtempSync(join(tmpdir(), "dvpn-choices-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const statePath = join(dir, "connection.json");

  it("takes a split tunnel only when asked for, and lockdown only with the kill switch", () => {
    assert.deepEqual(tunnelChoices({ up: true }, statePath), {
      allowedIPs: ["0.0.0.0/0", "::/0"],
      split: false,
      lockdown: false,
    });
    assert.throws(() => tunnelChoices({ allowedIps: ["10.0.0.0/8"] }, statePath), /is a split tunnel.*add --split/);
    assert.equal(tunnelChoices({ allowedIps: ["10.0.0.0/8,192.168.0.0/16"], split: true }, statePath).split, true);
    assert.equal(
      tunnelChoices({ allowedIps: ["0.0.0.0/0"] }, statePath).split,
      false,
      "IPv4 only is full (IPv6 blocked)",
    );
    assert.throws(() => tunnelChoices({ split: true }, statePath), /--split needs --allowed-ips/);
    assert.throws(() => tunnelChoices({ lockdown: true }, statePath), /--lockdown goes with --up/);
    assert.throws(
      () => tunnelChoices({ up: true, lockdown: true, noKillSwitch: true }, statePath),
      /--lockdown needs the kill switch/,
    );
  });

  it("keeps lockdown on for later runs until it is cleared", () => {
    setLockdown(statePath, "dvpn_client");
    assert.equal(tunnelChoices({ up: true }, statePath).lockdown, true);
    assert.throws(
      () => tunnelChoices({ up: true, allowedIps: ["10.0.0.0/8"], split: true }, statePath),
      /lockdown is on \(`dvpn unlock` lifts it\)/,
    );
    clearLockdown(statePath);
    assert.equal(tunnelChoices({ up: true }, statePath).lockdown, false);
  });
});
