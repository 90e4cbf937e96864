// Lighthouse scores of pages of a built archive, served over loopback with gzip (level 6) as
// a web host would, in /usr/bin/chromium, offline. Mobile (Lighthouse's default: a
// mid-range phone on a throttled network, simulated) and desktop; median of RUNS (3) runs
// per page and form factor. Lighthouse comes from npm on first use (`npx --yes`).
//
//     node benches/lighthouse.mjs OUTPUT_DIR index.html postmortems/<id>/ action-items/ insights/
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const { serveStatic } = await import(new URL("../tests/browser/static-server.mjs", import.meta.url));
const [out, ...paths] = process.argv.slice(2);
if (!out || paths.length === 0) {
  console.error("usage: node benches/lighthouse.mjs OUTPUT_DIR PAGE...");
  process.exit(2);
}
const runs = Number(process.env.RUNS || 3);
const lighthouse = process.env.LIGHTHOUSE || "lighthouse@12.8.2";
const server = await serveStatic(out, { gzip: true });
const tmp = mkdtempSync(join(tmpdir(), "lighthouse-"));
const CATEGORIES = ["performance", "accessibility", "best-practices", "seo"];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log("page                                           form     perf  a11y  best   seo   FCP ms  LCP ms  TBT ms  CLS    HTML KB (gzip)");
for (const path of paths) {
  for (const form of ["mobile", "desktop"]) {
    const results = [];
    for (let i = 0; i < runs; i++) {
      const file = join(tmp, "report.json");
      const args = ["--yes", lighthouse, server.url + path, "--output=json", `--output-path=${file}`, "--quiet",
        "--chrome-path=/usr/bin/chromium", "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        `--only-categories=${CATEGORIES.join(",")}`];
      if (form === "desktop") args.push("--preset=desktop");
      // Asynchronously: the server answering Lighthouse runs in this process.
      await promisify(execFile)("npx", args, { maxBuffer: 1 << 26 });
      results.push(JSON.parse(readFileSync(file, "utf8")));
    }
    const score = (c) => median(results.map((r) => Math.round(r.categories[c].score * 100)));
    const metric = (id) => median(results.map((r) => r.audits[id].numericValue));
    const doc = results[0].audits["network-requests"].details.items.find((i) => i.resourceType === "Document");
    console.log(
      `${(path || "/").padEnd(46)} ${form.padEnd(8)}${CATEGORIES.map((c) => String(score(c)).padStart(5)).join(" ")}` +
      `  ${metric("first-contentful-paint").toFixed(0).padStart(6)}  ${metric("largest-contentful-paint").toFixed(0).padStart(6)}` +
      `  ${metric("total-blocking-time").toFixed(0).padStart(6)}  ${metric("cumulative-layout-shift").toFixed(3)}  ${(doc.transferSize / 1024).toFixed(1).padStart(8)}`,
    );
    if (process.env.DETAIL) {
      for (const c of CATEGORIES) {
        for (const ref of results[0].categories[c].auditRefs) {
          const a = results[0].audits[ref.id];
          if (ref.weight > 0 && a.score !== null && a.score < 1) console.log(`    ${c}: ${ref.id} ${a.score} ${a.displayValue || ""}`);
        }
      }
    }
  }
}
rmSync(tmp, { recursive: true, force: true });
server.close();
