import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { intToIpv4, ipv4ToInt } from "./ipv4.ts";

describe("ipv4ToInt / intToIpv4", () => {
  it("convert both ways over the whole range, above 2^31 included", () => {
    const cases: [string, number][] = [
      ["0.0.0.0", 0],
      ["0.0.0.1", 1],
      ["10.77.0.2", 10 * 2 ** 24 + 77 * 2 ** 16 + 2],
      ["128.0.0.0", 2 ** 31],
      ["192.168.1.255", 192 * 2 ** 24 + 168 * 2 ** 16 + 256 + 255],
      ["255.255.255.255", 2 ** 32 - 1],
    ];
    for (const [ip, n] of cases) {
      assert.equal(ipv4ToInt(ip), n, ip);
      assert.equal(intToIpv4(n), ip, String(n));
    }
  });
});
