// What a search costs in headless Chromium on a built archive, served over loopback by a
// small static server that gzips every file (level 6), as a web host would. For each
// query, in a fresh browser context (cold): the bytes on the wire until the results are
// shown (the page, its CSS and scripts, and every index file loaded by then), and until
// the facets are counted too; then the time from the last keystroke to results, median of
// 5 (warm). DETAIL=1 lists the files. Needs `npm ci --prefix tests/browser` and
// /usr/bin/chromium.
//
//     node benches/search_browser.mjs OUTPUT_DIR "query one" "query two" ...
import { createRequire } from "node:module";
const require = createRequire(new URL("../tests/browser/package.json", import.meta.url));
const { chromium } = require("playwright-core");
const { serveStatic } = await import(new URL("../tests/browser/static-server.mjs", import.meta.url));

const [out, ...queries] = process.argv.slice(2);
const server = await serveStatic(out, { gzip: true });
const url = server.url;

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
const kb = (n) => (n / 1024).toFixed(1).padStart(6);
console.log("query                     cold KB to results  (files)   with facets   keystroke to results, warm");
for (const q of queries) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${url}search/index.html?q=${encodeURIComponent(q)}`);
  await page.waitForFunction(() => document.body.dataset.searchDone !== undefined);
  const { files, at } = await page.evaluate(() => ({
    at: Number(document.body.dataset.resultsAt),
    files: [performance.getEntriesByType("navigation")[0], ...performance.getEntriesByType("resource")]
      .map((e) => ({ name: e.name, start: e.startTime, bytes: e.encodedBodySize })),
  }));
  const first = files.filter((f) => f.start <= at);
  const sum = (list) => list.reduce((n, f) => n + f.bytes, 0);
  if (process.env.DETAIL) for (const f of files) console.log(`   ${f.start <= at ? " " : "+"} ${kb(f.bytes)} KB  ${f.name.slice(url.length)}`);
  const times = [];
  for (let i = 0; i < 5; i++) {
    await page.fill("#q", "");
    await page.waitForTimeout(50);
    const before = await page.evaluate(() => document.body.dataset.searchDone);
    await page.fill("#q", q);
    await page.waitForFunction((b) => document.body.dataset.searchDone !== b, before);
    times.push(Number(await page.evaluate(() => document.body.dataset.resultsMs)));
  }
  times.sort((a, b) => a - b);
  console.log(`${JSON.stringify(q).padEnd(24)} ${kb(sum(first))} (${String(first.length).padStart(2)})        ${kb(sum(files))}       median ${times[2]} ms (${times.join("/")})`);
  await context.close();
}
await browser.close();
server.close();
