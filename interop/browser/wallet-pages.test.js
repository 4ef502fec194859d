// The wallet hand-off pages a teacher sees, in headless Chromium at 390 px: the mailed one-time
// claim link's page, the wallet codes (naming the credential, the expiry in the district's time
// zone), the "did my wallet get it" page, and a used link's page with its way back. The award
// email is caught by a minimal SMTP sink on loopback, as a district's relay would receive it.
// Screenshots go to target/browser/.
//
// Run: cargo build -p cairn && (cd interop/browser && npm ci && node --test)

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { root, artifacts, startServer, launchBrowser, assertAccessible, smtpSink } from "./harness.js";

const cairn = process.env.CAIRN_BIN ?? path.join(root, "target/debug/cairn");

let server;
let base;
let browser;
let smtp;
const mails = [];
let key;

function run(...args) {
  return execFileSync(cairn, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/// The claim link in a mail (quoted-printable soft breaks and `=3D` undone), as a path.
function claimPath(mail) {
  const text = mail.replace(/=\n/g, "").replace(/=3D/g, "=");
  const m = text.match(/https:\/\/credentials\.springfield\.example(\/claim\/[A-Za-z0-9_-]+)/);
  assert.ok(m, `no claim link in: ${text}`);
  return m[1];
}

before(async () => {
  smtp = await smtpSink(mails);
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "cairn-page-wallet-")), "springfield");
  run("init", dir, "--name", "Springfield Public Schools", "--url", "https://credentials.springfield.example");
  const config = path.join(dir, "cairn.toml");
  const toml = readFileSync(config, "utf8").replace("[issuer]\n", '[issuer]\ntime_zone = "America/Chicago"\n')
    + `\n[smtp]\nhost = "127.0.0.1"\nport = ${smtp.address().port}\nsecurity = "none"\nfrom = "Springfield Credentials <credentials@springfield.example>"\n`;
  writeFileSync(config, toml);
  run("achievement", "add", "--config", config, path.join(root, "examples/achievements/formative-assessment.toml"));
  const out = path.join(dir, "edna.json");
  // Not execFileSync: the SMTP sink runs in this process and must answer while cairn sends.
  await promisify(execFile)(cairn, ["issue", "--config", config, "--achievement", "formative-assessment",
    "--recipient-email", "edna@springfield.example", "--recipient-name", "Edna Krabappel", "--out", out]);
  key = JSON.parse(readFileSync(out, "utf8")).id.split("/").pop();
  ({ server, base } = await startServer(cairn, ["serve", "--config", config, "--bind", "127.0.0.1:0"]));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  smtp?.close();
});

test("the mailed claim link, the wallet codes, the received check and the used link, 390 px", async () => {
  assert.equal(mails.length, 1, "the award email");
  const link = claimPath(mails[0]);
  const context = await browser.newContext({ viewport: { width: 390, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));

  // Opening the link uses nothing up: it only offers a button.
  assert.equal((await page.goto(base + link)).status(), 200);
  assert.equal(await page.textContent("h1"), "Send your credential to your wallet");
  assert.match(await page.textContent("main"), /Credential: Formative Assessment in Practice/);
  await page.screenshot({ path: path.join(artifacts, "wallet-link-390.png"), fullPage: true });
  await assertAccessible(browser, page, "wallet-link-390.png");

  // The codes: both flows, the credential named, the expiry for people in the district's zone.
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  assert.equal(await page.textContent("h1"), "Your wallet codes");
  assert.match(await page.textContent(".lead"), /For Formative Assessment in Practice/);
  assert.match(await page.textContent("[data-expires]"), /^\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d C[SD]T$/);
  assert.equal(await page.locator("div.qr svg").count(), 2);
  const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= inner, `${scroll} px wide at ${inner} px`);
  await page.screenshot({ path: path.join(artifacts, "wallet-codes-390.png"), fullPage: true });
  await assertAccessible(browser, page, "wallet-codes-390.png");

  // "Did my wallet get it?": not yet (no wallet has collected it), with a way to ask again.
  await Promise.all([page.waitForNavigation(), page.click("a[data-check]")]);
  assert.equal(await page.textContent("h1"), "Not received yet");
  assert.equal(await page.getAttribute("a:has-text('Check again')", "href"), new URL(page.url()).pathname);
  await page.screenshot({ path: path.join(artifacts, "wallet-not-received-390.png"), fullPage: true });
  await assertAccessible(browser, page, "wallet-not-received-390.png");

  // The link again: used, and the page leads back to the credential to ask for a new one.
  const used = await page.goto(base + link);
  assert.equal(used.status(), 410);
  assert.equal(await page.textContent("h1"), "This link does not work");
  const back = page.locator("a", { hasText: "Back to Formative Assessment in Practice" });
  assert.equal(await back.getAttribute("href"), `/credentials/${key}#wallet`);
  await page.screenshot({ path: path.join(artifacts, "wallet-link-used-390.png"), fullPage: true });
  await assertAccessible(browser, page, "wallet-link-used-390.png");
  await Promise.all([page.waitForNavigation(), back.click()]);
  assert.equal(await page.getAttribute("[data-status]", "data-status"), "valid");
  // Chromium logs the 410 itself; nothing else may fail.
  assert.deepEqual(errors.filter((e) => !/status of 410/.test(e)), []);
  await context.close();
});
