// Runs each query of HINDSIGHT_QUERIES (a JSON array) through search.js in headless
// Chromium, on the site built in HINDSIGHT_OUT opened from file://, and prints a JSON array
// of {ids} (every matching id, in order) or {error}. tests/testsuite/parity.rs compares
// them with `hindsight search`.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";

const queries = JSON.parse(readFileSync(process.env.HINDSIGHT_QUERIES, "utf8"));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--allow-file-access-from-files"],
});
const page = await browser.newPage();
const errors = [];
page.on("pageerror", (e) => errors.push(e.message));
await page.goto(`file://${process.env.HINDSIGHT_OUT}/search/index.html`);
await page.waitForFunction(() => document.body.dataset.searchDone !== undefined);
const answers = await page.evaluate(async (queries) => {
  const out = [];
  for (const q of queries) {
    try {
      out.push({ ids: await window.hindsightSearch.ids(q) });
    } catch (e) {
      out.push({ error: e.message });
    }
  }
  return out;
}, queries);
await browser.close();
if (errors.length) {
  console.error(errors.join("\n"));
  process.exit(1);
}
console.log(JSON.stringify(answers));
