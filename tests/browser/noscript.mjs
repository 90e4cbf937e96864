// Opens every HTML page of each output folder given in HINDSIGHT_OUTS (":"-separated) in
// headless Chromium from file:// and fails when script written by an author ran: a call
// to alert/confirm/prompt/print, a dialog, or `window.__xss` set. Links with a script
// scheme and event-handler attributes are looked for in the live DOM too, since they run
// only when clicked. The theme's own script runs as usual.
// Run by tests/testsuite/browser.rs; prints "N passed, M failed".
import { chromium } from "playwright-core";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const outs = process.env.HINDSIGHT_OUTS.split(":");
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});

function pages(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return pages(path);
    return name.endsWith(".html") ? [path] : [];
  });
}

let passed = 0, failed = 0;
for (const out of outs) {
  const files = pages(out);
  const context = await browser.newContext();
  await context.addInitScript(() => {
    window.__ran = [];
    for (const name of ["alert", "confirm", "prompt", "print"]) {
      window[name] = (...args) => { window.__ran.push(`${name}(${args.join(",")})`); };
    }
  });
  for (const file of files) {
    const page = await context.newPage();
    const dialogs = [];
    page.on("dialog", async (d) => { dialogs.push(d.message()); await d.dismiss(); });
    try {
      await page.goto(`file://${file}`, { waitUntil: "load" });
      // Handlers that fire on their own (onerror, onload, ontoggle, onfocus) have had
      // their chance once the page has loaded and settled.
      await page.waitForTimeout(50);
      const found = await page.evaluate(() => {
        const bad = [...window.__ran];
        if (window.__xss !== undefined) bad.push(`window.__xss = ${window.__xss}`);
        for (const el of document.querySelectorAll("*")) {
          for (const attr of el.attributes) {
            const value = attr.value.replace(/[\u0000-\u0020]/g, "").toLowerCase();
            if (attr.name.startsWith("on")) bad.push(`<${el.localName} ${attr.name}>`);
            if (["href", "src", "action", "formaction", "data", "xlink:href"].includes(attr.name) &&
                /^(javascript|vbscript|data):/.test(value)) bad.push(`<${el.localName} ${attr.name}="${attr.value}">`);
          }
        }
        for (const s of document.querySelectorAll("script")) {
          if (!s.src && /__xss|alert\(/.test(s.textContent)) bad.push("inline <script> from the body");
        }
        return bad;
      });
      const all = [...found, ...dialogs.map((d) => `dialog: ${d}`)];
      if (all.length) throw new Error(all.join("; "));
      passed++;
    } catch (e) {
      failed++;
      console.log(`not ok - ${file}: ${e.message}`);
    } finally {
      await page.close();
    }
  }
  await context.close();
  console.log(`# ${files.length} pages of ${out}`);
}
await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
