/**
 * Debian's Chromium driven headless through playwright-core (no browser download): where it
 * lives and how to launch it with the flags that keep it quiet and offline.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Where Debian's `chromium` package puts the browser, or only DVPN_CHROMIUM when that is set. */
export function chromiumPath(): string | undefined {
  const env = process.env.DVPN_CHROMIUM;
  const candidates = env ? [env] : ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
  return candidates.find((p) => existsSync(p));
}

/**
 * Launches headless Chromium.
 * @throws Error naming the Debian package when it is not installed.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error("Chromium is not installed: apt-get install -y chromium");
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
}
