// Pagefind beside hindsight on the same built archive: the bytes a cold first query
// transfers (gzip as served; Pagefind's index files are already compressed) and the time
// its search takes, in headless Chromium over HTTP (Pagefind cannot run from file://).
// The site must have been indexed first: `npx pagefind --site OUTPUT_DIR`.
//
//     node benches/search_pagefind.mjs OUTPUT_DIR "query one" ...
import { createRequire } from "node:module";
import { createServer } from "node:http";
import { readFileSync, existsSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join, normalize } from "node:path";
const require = createRequire(new URL("../tests/browser/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const [out, ...queries] = process.argv.slice(2);
const sizes = new Map();
const server = createServer((req, res) => {
  const path = join(out, normalize(decodeURIComponent(req.url.split("?")[0])).replace(/^(\.\.[/\\])+/, ""));
  const file = existsSync(path) && !path.endsWith("/") ? path : join(path, "index.html");
  try {
    const body = readFileSync(file);
    // Pagefind's .pf_* files are gzip already; everything else is sent as a server would.
    sizes.set(req.url, /\.pf_/.test(file) ? body.length : gzipSync(body, { level: 6 }).length);
    res.writeHead(200, { "content-type": file.endsWith(".js") ? "text/javascript" : file.endsWith(".html") ? "text/html" : "application/octet-stream" });
    res.end(body);
  } catch { res.writeHead(404); res.end(); }
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu"] });
console.log("query                    Pagefind cold: requests  KB   search + 10 results, warm");
for (const q of queries) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${url}404.html`);
  sizes.clear();
  const cold = await page.evaluate(async (q) => {
    const pagefind = await import("/pagefind/pagefind.js");
    const r = await pagefind.search(q);
    await Promise.all(r.results.slice(0, 10).map((x) => x.data()));
    return r.results.length;
  }, q);
  const bytes = [...sizes.values()].reduce((a, b) => a + b, 0);
  const requests = sizes.size;
  const times = [];
  for (let i = 0; i < 5; i++) {
    times.push(await page.evaluate(async (q) => {
      const pagefind = await import("/pagefind/pagefind.js");
      const t = performance.now();
      const r = await pagefind.search(q + " ");
      await Promise.all(r.results.slice(0, 10).map((x) => x.data()));
      return Math.round(performance.now() - t);
    }, q));
  }
  times.sort((a, b) => a - b);
  console.log(`${JSON.stringify(q).padEnd(24)} ${String(requests).padStart(8)} ${(bytes / 1024).toFixed(1).padStart(7)}   median ${times[2]} ms (${cold} results)`);
  await context.close();
}
await browser.close();
server.close();
