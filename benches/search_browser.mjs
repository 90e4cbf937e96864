// Keystroke-to-results time of the search page in headless Chromium, on a built archive
// opened from file://. Needs `npm ci --prefix tests/browser` and /usr/bin/chromium.
//
//     node benches/search_browser.mjs OUTPUT_DIR "query one" "query two" ...
import { createRequire } from "node:module";
const require = createRequire(new URL("../tests/browser/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const [out, ...queries] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
const page = await browser.newPage();
await page.goto(`file://${out}/search/index.html`);
await page.waitForFunction(() => document.body.dataset.searchDone !== undefined);
for (const q of queries) {
  const times = [];
  for (let i = 0; i < 5; i++) {
    await page.fill("#q", "");
    await page.waitForTimeout(50);
    const before = await page.evaluate(() => document.body.dataset.searchDone);
    await page.fill("#q", q);
    await page.waitForFunction((b) => document.body.dataset.searchDone !== b, before);
    times.push(Number(await page.evaluate(() => document.body.dataset.searchMs)));
  }
  times.sort((a, b) => a - b);
  console.log(`${JSON.stringify(q).padEnd(24)} ${times.join("/")} ms (5 runs, sorted)`);
}
await browser.close();
