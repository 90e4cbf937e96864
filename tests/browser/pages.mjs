// Every page kind of a built archive in real headless Chromium, light and dark: axe-core
// (every rule of WCAG 2.2 A and AA and best practices, any impact) must find nothing, and
// the design's own checks hold (`design` below); on a phone, the layout checks (`phone`). Run by tests/testsuite/browser.rs
// with HINDSIGHT_OUT set to the built archive; prints "N passed, M failed" and exits
// non-zero on a failure.
import { chromium } from "playwright-core";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { serveStatic } from "./static-server.mjs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const out = process.env.HINDSIGHT_OUT;

// A postmortem's page, `postmortems/<id>/index.html` (not the list of them, `postmortems/`).
const isPostmortem = (path) => /^postmortems\/[^/]+\/index\.html$/.test(path);

// One page of each kind (a path pattern with its variable parts starred), and every
// postmortem: they differ most.
function pages() {
  const all = [];
  (function walk(dir) {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) { if (name !== "static" && name !== "index" || !dir.endsWith("search")) walk(path); }
      else if (name.endsWith(".html")) all.push(relative(out, path));
    }
  })(out);
  const kinds = new Map();
  for (const path of all) {
    const parts = path.split("/");
    const kind = parts.map((p, i) => (i > 0 && i < parts.length - 1 ? "*" : p)).join("/");
    if (isPostmortem(path) || !kinds.has(kind)) kinds.set(isPostmortem(path) ? path : kind, path);
  }
  return [...kinds.values()];
}

// Served over loopback as a static host would (404.html links from the site's root).
const server = await serveStatic(out);
const base = server.url;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
// What axe cannot know: every request answered (the favicon too), section links told
// apart, the reader's place in the header, and the header in line with the page.
async function design(page, path, failures) {
  const problems = [...failures];
  const names = await page.$$eval("a.anchor", (as) => as.map((a) => a.getAttribute("aria-label")));
  if (new Set(names).size !== names.length) problems.push(`section links share names: ${names}`);
  const section = path.split("/")[0];
  const navigable = ["services", "severities", "tags", "factors", "years", "status", "teams", "action-items", "insights", "external", "reading"];
  if (navigable.includes(section) && !(await page.$(".site-header nav a[aria-current]"))) problems.push("the header does not mark the current section");
  const [brand, h1] = await page.evaluate(() => [".brand", "main h1"].map((s) => document.querySelector(s)?.getBoundingClientRect().left));
  if (h1 !== undefined && Math.abs(brand - h1) > 1) problems.push(`header at ${brand}px, content at ${h1}px`);
  if (isPostmortem(path)) {
    // The severity, the key numbers and the start of the write-up, all on the first screen.
    const top = await page.evaluate(() => document.querySelector(".pm-body > *")?.getBoundingClientRect().top);
    if (!(top < 800 - 60)) problems.push(`the write-up starts at ${top}px, below the first screen`);
    if (!(await page.$(".pm-header .badge.sev"))) problems.push("no severity badge in the header");
  }
  if (problems.length) throw new Error(problems.join("\n"));
}
async function phone(page) {
  const { scroll, header } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    header: document.querySelector(".site-header").getBoundingClientRect().height,
  }));
  const problems = [];
  if (scroll > 390) problems.push(`the page scrolls sideways (${scroll}px wide)`);
  if (header > 844 * 0.15) problems.push(`the header takes ${Math.round(header)}px of 844`);
  if (problems.length) throw new Error(problems.join("\n"));
}
// Printed from a dark system, on a page 700px wide: light colours, no line of code or table
// cut off at the edge, the drawn timeline kept with what follows, and the shapes that carry
// meaning (timeline dots and phases, legend keys) drawn with borders, which print even with
// "background graphics" off; filled badges printed exactly.
async function print(page) {
  const problems = await page.evaluate(() => {
    const problems = [];
    const luminance = (c) => {
      const [r, g, b] = c.match(/[\d.]+/g).slice(0, 3).map((v) => v / 255);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const body = getComputedStyle(document.body);
    if (luminance(body.backgroundColor) < 0.9 || luminance(body.color) > 0.2) problems.push(`printed ${body.color} on ${body.backgroundColor}`);
    // Panels (code, the key numbers) too: a dark one would print near-black behind black text.
    for (const el of document.querySelectorAll("main pre, main .strip, main code, main .card")) {
      const bg = getComputedStyle(el).backgroundColor;
      if (!bg.startsWith("rgba(0, 0, 0, 0)") && luminance(bg) < 0.8) problems.push(`${el.className || el.tagName} printed on ${bg}`);
    }
    for (const el of document.querySelectorAll("main pre, main .table-wrap, main .chart, main .bar-chart")) {
      if (el.scrollWidth > el.clientWidth + 1) problems.push(`${el.className || el.tagName} cut off: ${el.scrollWidth}px in ${el.clientWidth}px`);
    }
    const shapes = [...document.querySelectorAll(".dot, .phase, .bars > span")].map((el) => [el, null])
      .concat([...document.querySelectorAll(".entry[class*=mark-], .key")].map((el) => [el, "::before"]));
    for (const [el, pseudo] of shapes) {
      const style = getComputedStyle(el, pseudo);
      if (!(parseFloat(style.borderTopWidth) > 0) || style.borderTopColor === body.backgroundColor) problems.push(`${el.className}${pseudo || ""} is not drawn by a border`);
    }
    for (const el of document.querySelectorAll(".badge.sev")) {
      if (getComputedStyle(el).printColorAdjust !== "exact") problems.push("a severity badge may print without its fill");
    }
    for (const el of document.querySelectorAll(".timeline-drawn")) {
      const style = getComputedStyle(el);
      if (style.breakInside !== "avoid" || style.breakAfter !== "avoid") problems.push("the drawn timeline may part from its list");
    }
    return problems;
  });
  if (problems.length) throw new Error(problems.join("\n"));
}
async function visit(page, path) {
  const failures = [];
  const listen = (r) => { if (r.status() >= 400) failures.push(`${r.status()} ${r.url()}`); };
  page.on("response", listen);
  await page.goto(`${base}${path}${path.startsWith("search/") ? "?q=failover" : ""}`);
  if (path.startsWith("search/")) await page.waitForFunction(() => document.body.dataset.searchDone !== undefined);
  await page.waitForLoadState("load");
  page.off("response", listen);
  // 404.html is served with 404 on purpose: only what it loads counts.
  return failures.filter((f) => !f.endsWith("/404.html") || path !== "404.html");
}

let passed = 0, failed = 0;
for (const scheme of ["light", "dark", "phone", "print"]) {
  const context = await browser.newContext(scheme === "phone"
    ? { viewport: { width: 390, height: 844 }, isMobile: true }
    : scheme === "print"
      ? { colorScheme: "dark", viewport: { width: 700, height: 1000 } }
      : { colorScheme: scheme, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  if (scheme === "print") await page.emulateMedia({ media: "print" });
  for (const path of pages()) {
    const name = `${scheme}: ${path}`;
    try {
      const failures = await visit(page, path);
      if (scheme === "phone" || scheme === "print") {
        await (scheme === "phone" ? phone : print)(page);
        passed++;
        console.log(`ok - ${name}`);
        continue;
      }
      await design(page, path, failures);
      await page.addScriptTag({ content: axeSource });
      const result = await page.evaluate(() => globalThis.axe.run(document, {
        runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
      }));
      if (result.violations.length) {
        throw new Error(result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n` +
          v.nodes.slice(0, 3).map((n) => `    ${n.target.join(" ")}: ${n.failureSummary.replace(/\n/g, " ")}`).join("\n")).join("\n"));
      }
      passed++;
      console.log(`ok - ${name}`);
    } catch (e) {
      failed++;
      console.log(`not ok - ${name}\n  ${e.message}`);
    }
  }
  await context.close();
}
await browser.close();
server.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
