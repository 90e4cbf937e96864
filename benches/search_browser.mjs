// What a search costs in headless Chromium on a built archive opened from file://: for each
// query, a cold first query (a fresh browser context: the page, its scripts and every
// index file the query loads, gzip-compressed as a server would send them) and the time
// from the last keystroke to results (median of 5, warm). Needs `npm ci --prefix
// tests/browser` and /usr/bin/chromium.
//
//     node benches/search_browser.mjs OUTPUT_DIR "query one" "query two" ...
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
const require = createRequire(new URL("../tests/browser/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const [out, ...queries] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
const gz = (url) => gzipSync(readFileSync(fileURLToPath(url)), { level: 6 }).length;
console.log("query                    cold: files  gzip KB (search files)   keystroke to results, warm");
for (const q of queries) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const files = new Set();
  page.on("request", (r) => { if (r.url().startsWith("file://")) files.add(r.url().split("?")[0]); });
  await page.goto(`file://${out}/search/index.html?q=${encodeURIComponent(q)}`);
  await page.waitForFunction(() => document.body.dataset.searchDone !== undefined);
  const all = [...files];
  const total = all.reduce((n, f) => n + gz(f), 0);
  const search = all.filter((f) => /\/search\/index\/|\/static\/(search|analyze|porter2)\.js$/.test(f)).reduce((n, f) => n + gz(f), 0);
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
  console.log(`${JSON.stringify(q).padEnd(24)} ${String(all.length).padStart(6)} ${(total / 1024).toFixed(1).padStart(8)} (${(search / 1024).toFixed(1)})   median ${times[2]} ms (${times.join("/")})`);
  await context.close();
}
await browser.close();
