/**
 * Screenshots of the explorer's pages at desktop and phone width (for docs/explorer/), taken
 * from a running explorer, e.g. the demo's:
 *
 *   npm run demo -- --no-tunnel   (keeps running)
 *   bash scripts/run node scripts/explorer-screenshots.ts http://127.0.0.1:4350/ docs/explorer
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launchChromium } from "./lib/chromium.ts";

const [base = "http://127.0.0.1:4350/", out = "docs/explorer"] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(base);
  await page.waitForSelector("[data-provider]");
  const provider = await page.getAttribute("[data-provider]", "data-provider");
  const session = await page.getAttribute("[data-session]", "data-session");
  await page.goto(`${base}#/governance`);
  await page.waitForSelector("[data-proposal]");
  const proposal = await page.getAttribute("[data-proposal]", "data-proposal");
  // Each page with what must be drawn before the shot (its charts come after the rest).
  const pages: [string, string, string][] = [
    ["network", "#/", "[data-provider], [data-chart=online]"],
    ["provider", `#/provider/${provider}`, "[data-testid=score], [data-chart=uptime]"],
    ["session", `#/session/${session}`, "[data-testid=timeline]"],
    ["governance", "#/governance", "[data-proposal]"],
    ["proposal", `#/proposal/${proposal}`, "[data-testid=actions]"],
  ];
  for (const [width, height, suffix] of [
    [1280, 900, "desktop"],
    [390, 844, "phone"],
  ] as const) {
    await page.setViewportSize({ width, height });
    for (const [name, hash, ready] of pages) {
      await page.goto(`${base}${hash}`);
      for (const selector of ready.split(", ")) await page.waitForSelector(selector);
      await page.screenshot({ path: join(out, `${name}-${suffix}.png`), fullPage: true });
    }
  }
  console.log(`screenshots of ${pages.length} pages at 2 widths in ${out}`);
} finally {
  await browser.close();
}
