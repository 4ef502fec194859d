// The issuer's public credential page in headless Chromium: a valid and a revoked credential,
// their badge and QR images, "Verify now", the LinkedIn link, keyboard use, no console errors
// under the page's CSP. Screenshots go to target/browser/.
//
// Run: cargo build -p cairn && (cd interop/browser && npm ci && node --test)

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
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
  run("achievement", "add", "--config", config, path.join(root, "examples/achievements/formative-assessment.toml"));
  for (const who of ["valid", "revoked"]) {
    const out = path.join(dir, `${who}.json`);
    run("issue", "--config", config, "--achievement", "formative-assessment",
      "--recipient-email", `${who}@springfield.example`, "--recipient-name", `Teacher ${who}`, "--out", out);
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

async function open(key) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  const response = await page.goto(`${base}/credentials/${key}`);
  assert.equal(response.status(), 200);
  return { page, context, errors };
}

async function imagesLoaded(page) {
  return page.$$eval("img", (imgs) => imgs.map((i) => [i.getAttribute("src"), i.complete && i.naturalWidth > 0]));
}

test("a valid credential's page: status, images, Verify now, LinkedIn", async () => {
  const { page, context, errors } = await open(keys.valid);
  assert.equal(await page.getAttribute("html", "lang"), "en");
  assert.equal(await page.getAttribute("[data-status]", "data-status"), "valid");
  assert.equal(await page.textContent("h1"), "Formative Assessment in Practice");
  assert.match(await page.textContent("main"), /Teacher valid/);
  assert.doesNotMatch(await page.content(), /valid@springfield\.example/);
  for (const [src, ok] of await imagesLoaded(page)) assert.ok(ok, `${src} did not load`);
  const linkedin = new URL(await page.getAttribute("a:has-text('Add to LinkedIn profile')", "href"));
  assert.equal(linkedin.origin + linkedin.pathname, "https://www.linkedin.com/profile/add");
  assert.equal(linkedin.searchParams.get("organizationName"), "Springfield Public Schools");
  assert.equal(linkedin.searchParams.get("certUrl"), `https://credentials.springfield.example/credentials/${keys.valid}`);
  await page.screenshot({ path: path.join(artifacts, "credential-valid.png"), fullPage: true });
  await assertAccessible(browser, page, "credential-valid.png");
  // Keyboard: focus the button and press Enter.
  await page.focus("button[type=submit]");
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  assert.equal(await page.getAttribute("#report-title", "data-verdict"), "valid");
  await page.screenshot({ path: path.join(artifacts, "credential-verified.png"), fullPage: true });
  await assertAccessible(browser, page, "credential-verified.png");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a revoked credential stays visible with a clear notice", async () => {
  const { page, context, errors } = await open(keys.revoked);
  assert.equal(await page.getAttribute("[data-status]", "data-status"), "revoked");
  assert.match(await page.textContent("[data-status]"), /has revoked this credential/);
  assert.equal(await page.locator("a:has-text('Add to LinkedIn profile')").count(), 0);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  assert.equal(await page.getAttribute("#report-title", "data-verdict"), "invalid");
  assert.match(await page.textContent(".report"), /revoked/);
  await page.screenshot({ path: path.join(artifacts, "credential-revoked.png"), fullPage: true });
  await assertAccessible(browser, page, "credential-revoked.png");
  assert.deepEqual(errors, []);
  await context.close();
});
