// Screenshots of every page kind of a built archive, in headless Chromium: the first
// screen at 1280x800 in light and dark, and at 390x844 (a phone), and a postmortem as
// printed from a dark system (print-postmortem.png, the whole page). They show the product
// in the README (docs/screenshots/). Needs `npm ci --prefix tests/browser` and
// /usr/bin/chromium.
//
//     cargo run -- build -o /tmp/example && node scripts/screenshots.mjs /tmp/example docs/screenshots
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
const require = createRequire(new URL("../tests/browser/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const [out, dir] = process.argv.slice(2).map((p) => resolve(p));
if (!out || !dir) {
  console.error("usage: node scripts/screenshots.mjs BUILT_ARCHIVE OUTPUT_DIR");
  process.exit(2);
}
const kinds = {
  home: "index.html",
  postmortem: "postmortems/2024-04-03-payments-db-split-brain/index.html",
  "action-items": "action-items/index.html",
  insights: "insights/index.html",
  external: "external/index.html",
  "external-entry": "external/cloudflare-outage/index.html",
  search: "search/index.html?q=failover",
  services: "services/index.html",
  service: "services/checkout/index.html",
  severities: "severities/index.html",
  "not-found": "404.html",
};
const modes = {
  light: { viewport: { width: 1280, height: 800 }, colorScheme: "light" },
  dark: { viewport: { width: 1280, height: 800 }, colorScheme: "dark" },
  phone: { viewport: { width: 390, height: 844 }, colorScheme: "light", deviceScaleFactor: 1, isMobile: true },
  // A postmortem as printed from a dark system: the whole page, as print CSS lays it out.
  print: { viewport: { width: 800, height: 1100 }, colorScheme: "dark", media: "print", only: "postmortem" },
};
mkdirSync(dir, { recursive: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"] });
for (const [mode, options] of Object.entries(modes)) {
  const { media, only, ...contextOptions } = options;
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  if (media) await page.emulateMedia({ media });
  for (const [kind, path] of Object.entries(kinds)) {
    if (only && kind !== only) continue;
    await page.goto(`file://${join(out, path)}`);
    await page.waitForLoadState("load");
    if (kind === "search") await page.waitForFunction(() => document.body.dataset.searchDone !== undefined);
    const file = join(dir, `${kind}-${mode}.png`);
    await page.screenshot({ path: file, fullPage: mode === "print" });
    console.log(file);
  }
  await context.close();
}
await browser.close();
