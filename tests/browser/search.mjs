// Search in real headless Chromium (Debian's /usr/bin/chromium through playwright-core),
// on the example archive served by `hindsight serve` on loopback and opened from file://.
// Run by tests/testsuite/browser.rs with HINDSIGHT_BIN, HINDSIGHT_ROOT, HINDSIGHT_OUT and
// HINDSIGHT_URL set; prints "N passed, M failed" and exits non-zero on a failure.
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import assert from "node:assert/strict";

const { HINDSIGHT_BIN: bin, HINDSIGHT_ROOT: root, HINDSIGHT_OUT: out, HINDSIGHT_URL: url } = process.env;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});

let passed = 0, failed = 0;
async function check(name, fn) {
  const page = await browser.newPage();
  try {
    await fn(page);
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}\n${e.stack}`);
  } finally {
    await page.close();
  }
}

const ids = (page) => page.$$eval("#results li", (lis) => lis.map((li) => li.dataset.id));
// Waits until the search has answered the latest input.
async function settled(page) {
  await page.waitForFunction(() => document.body.dataset.searchDone !== undefined && !document.querySelector("#status").textContent.startsWith("Search is unavailable"));
}
async function typeQuery(page, q) {
  const before = await page.evaluate(() => document.body.dataset.searchDone || "0");
  await page.fill("#q", q);
  await page.waitForFunction((b) => document.body.dataset.searchDone !== b, before);
}
// Every id the CLI finds, in its order.
function cliAll(query, extra = []) {
  const lines = execFileSync(bin, ["--root", root, "search", "--json", "--limit", "1000", ...extra, query], { encoding: "utf8" });
  return lines.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l).id);
}
function cli(query) {
  return cliAll(query).sort();
}

for (const [where, base] of [["loopback", url], ["file://", `file://${out}/`]]) {
  await check(`${where}: typing a query shows the expected postmortem first`, async (page) => {
    await page.goto(`${base}search/index.html`);
    await settled(page);
    await typeQuery(page, "split brain");
    const first = (await ids(page))[0];
    assert.equal(first, "2024-04-03-payments-db-split-brain");
    assert.match(await page.textContent("#status"), /^1 postmortem/);
    const ms = Number(await page.evaluate(() => document.body.dataset.searchMs));
    console.log(`# ${where}: results ${ms} ms after the last keystroke`);
  });

  await check(`${where}: ticking a facet changes the count and the list`, async (page) => {
    await page.goto(`${base}search/index.html?q=config*`);
    await settled(page);
    const all = await ids(page);
    assert.ok(all.length >= 2, `config finds several: ${all}`);
    const box = page.locator('fieldset[data-field="severity"] input[value="SEV-1"]');
    const label = await page.locator('fieldset[data-field="severity"] label', { hasText: "SEV-1" }).textContent();
    const expected = Number(label.trim().split(/\s+/).pop());
    const before = await page.evaluate(() => document.body.dataset.searchDone);
    await box.check();
    await page.waitForFunction((b) => document.body.dataset.searchDone !== b, before);
    const filtered = await ids(page);
    assert.equal(filtered.length, expected, "the facet's count is the number of results once ticked");
    assert.ok(filtered.length < all.length);
    assert.match(page.url(), /severity=SEV-1/, "filters live in the URL");
  });

  await check(`${where}: a shared URL runs its search`, async (page) => {
    await page.goto(`${base}search/index.html?q=certificate&service=api-gateway`);
    await settled(page);
    assert.deepEqual(await ids(page), ["2024-05-21-api-gateway-certificate-expiry"]);
    assert.equal(await page.inputValue("#q"), "certificate");
    assert.ok(await page.isChecked('fieldset[data-field="service"] input[value="api-gateway"]'));
  });
}

await check("before typing, facets count the whole archive, severities worst first", async (page) => {
  const requested = [];
  page.on("request", (r) => requested.push(r.url()));
  await page.goto(`${url}search/index.html`);
  await settled(page);
  assert.deepEqual(requested.filter((u) => /\/search\/index\/(?!manifest)/.test(u)), [], "the manifest alone gives the counts");
  const severities = await page.$$eval('fieldset[data-field="severity"] input', (els) => els.map((e) => e.value));
  assert.deepEqual(severities, [...severities].sort(), "SEV-1 first");
  assert.ok(severities.length >= 3, `${severities}`);
  const counts = await page.$$eval('fieldset[data-field="origin"] label .count', (els) => els.map((e) => Number(e.textContent)));
  const all = cliAll("");
  assert.equal(counts.reduce((a, b) => a + b, 0), all.length, "ours and other companies' add up to the archive");
  assert.match(await page.textContent('fieldset[data-field="origin"]'), /Our postmortems.*Other companies'/s);
});

await check("results: total, coloured badges, marked words, show more, newest first", async (page) => {
  await page.goto(`${url}search/index.html?q=outage`);
  await settled(page);
  const expected = cliAll("outage");
  assert.ok(expected.length > 10, `outage finds more than 10 (${expected.length})`);
  assert.match(await page.textContent("#status"), new RegExp(`^${expected.length} postmortems, 10 shown`));
  assert.deepEqual(await ids(page), expected.slice(0, 10), "the CLI's best ten, in its order");
  const before = await page.evaluate(() => document.body.dataset.searchDone);
  await page.click("#more");
  await page.waitForFunction((b) => document.body.dataset.searchDone !== b || document.querySelectorAll("#results li").length > 10, before);
  assert.deepEqual(await ids(page), expected.slice(0, 20));
  assert.ok(await page.$("#results mark"), "matched words are marked in the summary");
  const marks = await page.$$eval("#results mark", (ms) => ms.map((m) => m.textContent.toLowerCase()));
  assert.ok(marks.every((m) => m.startsWith("outage")), `${marks}`);

  await page.goto(`${url}search/index.html?q=failover`);
  await settled(page);
  assert.equal(await page.getAttribute("#results li .badge", "class"), "badge sev sev-1");
  await page.goto(`${url}search/index.html?q=dns&sort=date`);
  await settled(page);
  assert.equal(await page.inputValue("#sort"), "date");
  assert.deepEqual(await ids(page), cliAll("dns", ["--sort", "date"]).slice(0, 10));
});

await check("a typo being typed is corrected as Enter would correct it", async (page) => {
  await page.goto(`${url}search/index.html`);
  await settled(page);
  await typeQuery(page, "certifcate");
  const expected = cliAll("certifcate");
  assert.ok(expected.length > 0 && cliAll("certifcate*").length === 0, "the CLI corrects the word and finds no word it starts");
  assert.deepEqual(await ids(page), expected.slice(0, 10));
});

await check("a query's results come before its facets' per-document files", async (page) => {
  // A bare word also finds names, so it needs the files of the fields names are in (services,
  // tags, teams, companies) first; a field's word needs none.
  const named = /\/search\/index\/f-(service|tag|team|company)-/;
  for (const [q, before] of [["title:outage", () => false], ["outage", (u) => named.test(u)]]) {
    const requested = [];
    const seen = (r) => requested.push(r.url());
    page.on("request", seen);
    await page.goto(`${url}search/index.html?q=${encodeURIComponent(q)}`);
    await settled(page);
    page.off("request", seen);
    const at = Number(await page.evaluate(() => document.body.dataset.resultsDone));
    assert.ok(at > 0, "results are marked as shown");
    const facetFiles = requested.filter((u) => /\/search\/index\/f-/.test(u));
    assert.ok(facetFiles.length >= 6, `the facets' files are loaded after the results: ${facetFiles}`);
    const rows = requested.findIndex((u) => /\/search\/index\/m\d+-/.test(u));
    const facet = requested.findIndex((u) => /\/search\/index\/f-/.test(u) && !before(u));
    assert.ok(rows >= 0 && rows < facet, `${q}: the results' rows are asked for before the facets' files: ${requested}`);
    const counts = await page.$$eval('fieldset[data-field="origin"] label .count', (els) => els.map((e) => Number(e.textContent)));
    assert.equal(counts.reduce((a, b) => a + b, 0), cliAll(q).length, `${q}: the facets count the results`);
  }
});

await check("other companies' postmortems are found and link to them", async (page) => {
  await page.goto(`${url}search/index.html?q=cloudflare`);
  await settled(page);
  assert.deepEqual(await ids(page), ["external/cloudflare-outage"]);
  await page.click("#results li a");
  await page.waitForLoadState("load");
  assert.match(page.url(), /\/external\/cloudflare-outage\/(index\.html)?$/);
  assert.match(await page.getAttribute("a[rel~=external]", "href"), /^https:\/\/blog\.cloudflare\.com\//);
});

await check("a query with an unknown field says which field was meant", async (page) => {
  await page.goto(`${url}search/index.html?q=${encodeURIComponent("servce:dns")}`);
  await settled(page);
  assert.match(await page.textContent("#status"), /did you mean `service:`/);
});

await check("a missing index file fails the query instead of hanging it", async (page) => {
  await page.route("**/search/index/s*-*.js", (route) => route.abort());
  await page.goto(`${url}search/index.html`);
  await settled(page);
  await typeQuery(page, "failover ");
  assert.match(await page.textContent("#status"), /^Search is unavailable: cannot load/);
  await page.unroute("**/search/index/s*-*.js");
  await typeQuery(page, "failover");
  assert.match(await page.textContent("#status"), /^1 postmortem/, "the next query loads it again");
});

await check("with JavaScript off, the header box lands on a page that says so and keeps the query", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  try {
    await page.goto(`${url}postmortems/2024-09-17-dns-resolver-timeouts/`);
    await page.fill("#site-q", "split brain");
    await page.press("#site-q", "Enter");
    await page.waitForURL(/search\/index\.html\?q=split\+brain/);
    assert.match(await page.textContent("main"), /needs JavaScript, which is off: your query stays in this page's address/);
  } finally {
    await context.close();
  }
});

await check("the search box on every page leads to the search page", async (page) => {
  await page.goto(`${url}postmortems/2024-09-17-dns-resolver-timeouts/`);
  await page.fill("#site-q", "conntrack");
  await page.press("#site-q", "Enter");
  await settled(page);
  assert.deepEqual(await ids(page), ["2024-09-17-dns-resolver-timeouts"]);
});

await check("the browser and the CLI find the same postmortems", async (page) => {
  await page.goto(`${url}search/index.html`);
  await settled(page);
  // A trailing space ends the last word (no prefix match), as the CLI reads it.
  for (const [browserQuery, cliQuery] of [
    ["failover ", "failover"], ["config change ", "config change"], ["latency ", "latency"],
    ["dns timeouts ", "dns timeouts"], ["rolled back ", "rolled back"], ["certificates ", "certificates"],
    ["fail", "fail*"], ["kub", "kub*"],
    // Forms no postmortem uses: the browser stems them as the CLI does.
    ["failovers ", "failovers"], ["outages ", "outages"], ["stampedes ", "stampedes"], ["Rollbacks ", "Rollbacks"],
  ]) {
    await typeQuery(page, browserQuery);
    const count = Number((await page.textContent("#status")).split(" ")[0]) || 0;
    const shown = (await ids(page)).sort();
    const expected = cli(cliQuery);
    assert.equal(count, expected.length, `count for ${JSON.stringify(browserQuery)}`);
    if (expected.length <= 10) assert.deepEqual(shown, expected, `ids for ${JSON.stringify(browserQuery)}`);
    else assert.ok(shown.every((id) => expected.includes(id)), `shown ids for ${JSON.stringify(browserQuery)}`);
  }
});

await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
