// The issuer's public pages in headless Chromium: a valid credential (evidence, copy buttons,
// certificate, Verify now on a phone), a revoked and an expired one (greyed, dated, nothing to
// share), the pages a browser gets for a mistyped link, the district's home and an achievement —
// at 1280, 390 and 320 px, each checked by axe-core, with no console errors under the page's CSP.
// Screenshots go to target/browser/.
//
// Run: cargo build -p cairn && (cd interop/browser && npm ci && node --test)

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { root, artifacts, startServer, launchBrowser, assertAccessible } from "./harness.js";

const cairn = process.env.CAIRN_BIN ?? path.join(root, "target/debug/cairn");

let server;
let base;
let browser;
const keys = {};

function run(...args) {
  return execFileSync(cairn, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

before(async () => {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "cairn-page-")), "springfield");
  run("init", dir, "--name", "Springfield Public Schools", "--url", "https://credentials.springfield.example");
  const config = path.join(dir, "cairn.toml");
  // The district's time zone for the dates people read.
  const toml = readFileSync(config, "utf8").replace("[issuer]\n", '[issuer]\ntime_zone = "America/Chicago"\n');
  writeFileSync(config, toml);
  run("achievement", "add", "--config", config, path.join(root, "examples/achievements/formative-assessment.toml"));
  // Expires in two seconds: expired by the time its test opens it.
  const soon = new Date(Date.now() + 2000).toISOString().replace(/\.\d+Z$/, "Z");
  for (const who of ["valid", "revoked", "expired"]) {
    const out = path.join(dir, `${who}.json`);
    run("issue", "--config", config, "--achievement", "formative-assessment",
      "--recipient-email", `${who}@springfield.example`, "--recipient-name", `Teacher ${who}`,
      "--evidence", "https://portfolio.example/teacher/unit-plan",
      "--evidence-narrative", "A six-week unit plan with exit tickets, and how the tickets changed the next lesson.",
      "--credits", "15", "--out", out, ...(who === "expired" ? ["--valid-until", soon] : []));
    const id = JSON.parse(readFileSync(out, "utf8")).id;
    keys[who] = id.split("/").pop();
    if (who === "revoked") run("revoke", "--config", config, id);
  }
  ({ server, base } = await startServer(cairn, ["serve", "--config", config, "--bind", "127.0.0.1:0"]));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
});

async function open(url, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  const response = await page.goto(base + url);
  return { page, context, errors, response };
}

async function imagesLoaded(page) {
  return page.$$eval("img", (imgs) => imgs.map((i) => [i.getAttribute("src"), i.complete && i.naturalWidth > 0]));
}

/// Nothing scrolls sideways (WCAG 1.4.10).
async function assertNoSidewaysScroll(page, label) {
  const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= inner, `${label}: ${scroll} px wide at ${inner} px`);
}

async function shoot(page, name) {
  await page.screenshot({ path: path.join(artifacts, name), fullPage: true });
  await assertAccessible(browser, page, name);
}

for (const width of [1280, 390, 320]) {
  test(`a valid credential's page at ${width} px: evidence, LinkedIn fields to copy, certificate`, async () => {
    const { page, context, errors, response } = await open(`/credentials/${keys.valid}`, { viewport: { width, height: 900 } });
    assert.equal(response.status(), 200);
    assert.equal(await page.getAttribute("html", "lang"), "en");
    assert.equal(await page.getAttribute("[data-status]", "data-status"), "valid");
    assert.equal(await page.textContent("h1"), "Formative Assessment in Practice");
    const main = await page.textContent("main");
    assert.match(main, /Teacher valid/);
    assert.doesNotMatch(await page.content(), /valid@springfield\.example/);
    // The evidence and what it took (item 8).
    assert.match(main, /Evidence/);
    assert.match(main, /A six-week unit plan with exit tickets/);
    assert.equal(await page.locator(".evidence a").getAttribute("href"), "https://portfolio.example/teacher/unit-plan");
    for (const [src, ok] of await imagesLoaded(page)) assert.ok(ok, `${src} did not load`);
    // LinkedIn: the link, and every field with a copy button (the script shows them).
    const linkedin = new URL(await page.getAttribute("a:has-text('Open LinkedIn')", "href"));
    assert.equal(linkedin.origin + linkedin.pathname, "https://www.linkedin.com/profile/add");
    for (const id of ["li-name", "li-org", "li-issued", "li-id", "li-url"]) {
      assert.ok(await page.locator(`button[data-copy=${id}]`).isVisible(), `copy ${id}`);
    }
    assert.equal(await page.textContent("#li-org"), "Springfield Public Schools");
    // Downloads named after the achievement; the certificate is a PDF.
    const certificate = page.locator("a[data-file=certificate]");
    assert.equal(await certificate.getAttribute("download"), "formative-assessment-in-practice-certificate.pdf");
    const pdf = await page.request.get(base + (await certificate.getAttribute("href")));
    assert.equal(pdf.headers()["content-type"], "application/pdf");
    assert.equal(pdf.headers()["content-disposition"], 'attachment; filename="formative-assessment-in-practice-certificate.pdf"');
    assert.equal((await pdf.body()).subarray(0, 5).toString(), "%PDF-");
    await assertNoSidewaysScroll(page, `valid ${width}`);
    await shoot(page, `credential-valid-${width}.png`);
    // The first screen, as README shows it (docs/screenshots/ holds a copy).
    await page.screenshot({ path: path.join(artifacts, `first-screen-credential-${width}.png`) });
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test("copy buttons put each LinkedIn field on the clipboard", async () => {
  const { page, context, errors } = await open(`/credentials/${keys.valid}`);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  await page.click("button[data-copy=li-url]");
  // The clipboard is written asynchronously; the status line says when it is done.
  await page.locator(".copied", { hasText: "Credential URL copied." }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()),
    `https://credentials.springfield.example/credentials/${keys.valid}`);
  await page.click("button[data-copy=li-id]");
  await page.locator(".copied", { hasText: "Credential ID copied." }).waitFor();
  assert.match(await page.evaluate(() => navigator.clipboard.readText()), /^[0-9A-Z]{8}$/);
  await shoot(page, "credential-copied.png");
  assert.deepEqual(errors, []);
  await context.close();
});

test("without JavaScript the copy buttons stay hidden and the values are text", async () => {
  const { page, context } = await open(`/credentials/${keys.valid}`, { javaScriptEnabled: false });
  assert.equal(await page.locator("button[data-copy]:visible").count(), 0);
  assert.equal(await page.textContent("#li-name"), "Formative Assessment in Practice");
  await context.close();
});

test("Verify now on a phone: the result is on the first screen, focused, and reloads", async () => {
  const { page, context, errors } = await open(`/credentials/${keys.valid}`, { viewport: { width: 390, height: 800 } });
  await page.focus("form.verify button");
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  assert.match(page.url(), /\/verify\??$/);
  assert.equal(await page.getAttribute("#report-title", "data-verdict"), "valid");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "report-title");
  const box = await page.locator("#report-title").boundingBox();
  assert.ok(box && box.y >= 0 && box.y < 800, `the result is off screen at y=${box?.y}`);
  await assertNoSidewaysScroll(page, "verified 390");
  await shoot(page, "credential-verified-390.png");
  // Reloading the result's address checks again (it used to answer a JSON 404).
  const again = await page.reload();
  assert.equal(again.status(), 200);
  assert.equal(await page.getAttribute("#report-title", "data-verdict"), "valid");
  assert.deepEqual(errors, []);
  await context.close();
});

for (const width of [1280, 390]) {
  test(`a revoked credential at ${width} px: greyed, dated, nothing to share`, async () => {
    const { page, context, errors } = await open(`/credentials/${keys.revoked}`, { viewport: { width, height: 900 } });
    assert.equal(await page.getAttribute("[data-status]", "data-status"), "revoked");
    assert.match(await page.textContent("[data-status]"), /revoked this credential on \d{1,2} [A-Z][a-z]+ \d{4}\./);
    const filter = await page.locator("img.badge").evaluate((i) => getComputedStyle(i).filter);
    assert.match(filter, /grayscale\(1\)/);
    for (const gone of ["a:has-text('Open LinkedIn')", "a[data-file=certificate]", "#wallet", "button[data-copy]"]) {
      assert.equal(await page.locator(gone).count(), 0, gone);
    }
    await Promise.all([page.waitForNavigation(), page.click("form.verify button")]);
    assert.equal(await page.getAttribute("#report-title", "data-verdict"), "invalid");
    assert.match(await page.textContent(".report"), /revoked/);
    await assertNoSidewaysScroll(page, `revoked ${width}`);
    await shoot(page, `credential-revoked-${width}.png`);
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test("an expired credential: its own notice, greyed, no certificate", async () => {
  const { page, context, errors } = await open(`/credentials/${keys.expired}`, { viewport: { width: 390, height: 900 } });
  assert.equal(await page.getAttribute("[data-status]", "data-status"), "expired");
  assert.match(await page.textContent("[data-status]"), /validity period has ended/);
  assert.match(await page.locator("img.badge").evaluate((i) => getComputedStyle(i).filter), /grayscale\(1\)/);
  assert.equal(await page.locator("a[data-file=certificate]").count(), 0);
  assert.equal((await page.request.get(`${base}/credentials/${keys.expired}/certificate.pdf`)).status(), 410);
  await shoot(page, "credential-expired-390.png");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a mistyped link gets a page, not JSON; the district's home and an achievement page", async () => {
  for (const [url, status, heading, shot] of [
    ["/s/zzzzzzzz", 404, "We could not find that page", "not-found.png"],
    ["/credentials/no-such-credential", 404, "We could not find that page", null],
    ["/", 200, "Springfield Public Schools", "district-home.png"],
    ["/achievements/formative-assessment", 200, "Formative Assessment in Practice", "achievement.png"],
  ]) {
    const { page, context, errors, response } = await open(url, { viewport: { width: 390, height: 900 } });
    assert.equal(response.status(), status, url);
    assert.match(response.headers()["content-type"], /^text\/html/, url);
    assert.equal(await page.textContent("h1"), heading, url);
    await assertNoSidewaysScroll(page, url);
    if (shot) await shoot(page, shot);
    // Chromium logs the 404 itself; nothing else may fail.
    assert.deepEqual(errors.filter((e) => !/status of 404/.test(e)), [], url);
    await context.close();
  }
  const api = await browser.newContext();
  const json = await api.request.get(`${base}/s/zzzzzzzz`, { headers: { accept: "application/json" } });
  assert.equal(json.headers()["content-type"], "application/problem+json");
  await api.close();
});
