// The staff console in headless Chromium, signed in through a real OpenID Connect provider
// (oidc-provider from npm, started here; see oidc.js) and by an emailed link: every task of the
// console end to end, the roles' refusals in the page and in the API, refused sign-ins (an email
// outside the allowed domains, someone not on the staff list, an unverified address, a forged ID
// token, one for another client, an expired one, a replayed state), session fixation, CSRF (a
// form without its token, a cross-site form, an API call without X-CSRF-Token), signing out
// everywhere; axe-core on every page at 1280 and 390 px, 320 px without sideways scrolling, and
// a search done with the keyboard alone. Screenshots go to target/browser/console-*.png.
//
// Run: cargo build -p cairn && (cd interop/browser && npm ci && node --test)

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import http from "node:http";
import { mkdtempSync, readFileSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { root, artifacts, startServer, launchBrowser, assertAccessible, smtpSink } from "./harness.js";
import { startProvider, freePort } from "./oidc.js";

const cairn = process.env.CAIRN_BIN ?? path.join(root, "target/debug/cairn");
const execFileAsync = promisify(execFile);

let server;
let base;
let browser;
let idp;
let smtp;
let attackerSite;
const mails = [];
const credentials = {};

async function run(...args) {
  const { stdout } = await execFileAsync(cairn, args, { encoding: "utf8" });
  return stdout;
}

before(async () => {
  smtp = await smtpSink(mails);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  idp = await startProvider({ redirectUri: `${base}/console/sign-in/callback` });
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "cairn-console-")), "springfield");
  await run("init", dir, "--name", "Springfield Public Schools", "--url", base, "--admin", "admin@springfield.example");
  const config = path.join(dir, "cairn.toml");
  writeFileSync(config, readFileSync(config, "utf8").replace("[issuer]\n", '[issuer]\ntime_zone = "America/Chicago"\n'));
  appendFileSync(config, `
[oidc]
issuer = "${idp.issuer}"
client_id = "${idp.clientId}"
display_name = "Springfield Google Workspace"
allowed_domains = ["springfield.example"]
allowed_emails = ["auditor@county.example"]

[smtp]
host = "127.0.0.1"
port = ${smtp.address().port}
security = "none"
from = "Springfield Credentials <credentials@springfield.example>"
`);
  await run("achievement", "add", "--config", config, path.join(root, "examples/achievements/formative-assessment.toml"));
  for (const who of ["ada", "grace"]) {
    const out = path.join(dir, `${who}.json`);
    await run("issue", "--config", config, "--achievement", "formative-assessment",
      "--recipient-email", `${who}@springfield.example`, "--recipient-name", `${who[0].toUpperCase()}${who.slice(1)} Teacher`,
      "--out", out);
    credentials[who] = JSON.parse(readFileSync(out, "utf8")).id;
  }
  await run("user", "add", "--config", config, "--role", "auditor", "auditor@county.example");
  await run("user", "add", "--config", config, "--role", "reviewer", "--name", "Rita Reviewer", "reviewer@springfield.example");
  await run("user", "add", "--config", config, "--role", "staff", "--name", "Pat Partner", "pat@neighbor.example");
  await run("user", "add", "--config", config, "--role", "staff", "unverified@springfield.example");
  process.env.CAIRN_OIDC_CLIENT_SECRET = idp.clientSecret;
  ({ server } = await startServer(cairn, ["serve", "--config", config, "--bind", `127.0.0.1:${port}`]));
  // A page on another site (localhost is not 127.0.0.1) that posts a revocation form to Cairn.
  attackerSite = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<!doctype html><form id="f" method="post" action="${base}/console/credential/status">
      <input name="id" value="${credentials.grace}"><input name="action" value="revoke">
      <input name="reason" value="forged"><input name="confirm" value="yes"></form>
      <script>document.getElementById("f").submit()</script>`);
  });
  await new Promise((r) => attackerSite.listen(0, "127.0.0.1", r));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  idp?.close();
  smtp?.close();
  attackerSite?.close();
});

async function shoot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `console-${name}.png`), fullPage: true });
  await assertAccessible(browser, page, name);
}

/// Signs `email` in through the provider in a new browser context; resolves to { page,
/// context, callback } where `callback` is the URL the provider sent the browser back to.
async function signIn(email, options = {}, cookies = []) {
  const context = await browser.newContext(options);
  if (cookies.length) await context.addCookies(cookies);
  const page = await context.newPage();
  let callback = null;
  page.on("request", (r) => { if (r.url().startsWith(`${base}/console/sign-in/callback`)) callback = r.url(); });
  await page.goto(`${base}/console/sign-in`);
  await page.getByRole("link", { name: "Sign in with Springfield Google Workspace" }).click();
  await page.fill('input[name="login"]', email);
  await page.fill('input[name="password"]', "any password");
  await page.click('button[type="submit"]');
  // The provider asks for consent once per account.
  if (page.url().startsWith(idp.issuer)) await page.click('button[type="submit"]');
  await page.waitForURL((u) => u.href.startsWith(base));
  return { page, context, callback };
}

async function statusOf(id) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const response = await page.goto(id);
  const text = await page.textContent("body");
  await context.close();
  return { ok: response.ok(), text };
}

/// The session cookie's value in a context.
async function sessionCookie(context) {
  return (await context.cookies(base)).find((c) => c.name === "cairn-session")?.value;
}

test("an administrator signs in through the district's provider and sees the overview", async () => {
  const { page, context } = await signIn("admin@springfield.example");
  assert.equal(new URL(page.url()).pathname, "/console");
  assert.match(await page.textContent("h1"), /Overview/);
  assert.match(await page.textContent("body"), /Credentials issued\s*2/);
  const session = (await context.cookies(base)).find((c) => c.name === "cairn-session");
  assert.ok(session.httpOnly, "the session cookie is HttpOnly");
  assert.equal(session.sameSite, "Lax");
  await shoot(page, "overview");
  await page.setViewportSize({ width: 390, height: 844 });
  await shoot(page, "overview-390");
  await page.setViewportSize({ width: 320, height: 640 });
  const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= inner, `overview at 320 px is ${scroll} px wide`);
  await context.close();
});

test("staff find a credential by email with the keyboard alone, and revoke it after confirming", async () => {
  const { page, context } = await signIn("admin@springfield.example");
  await page.goto(`${base}/console/credentials`);
  await shoot(page, "credentials");
  // Keyboard only: the skip link, then the form's first field, type, Enter.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Skip to the content");
  await page.focus("#email");
  await page.keyboard.type("ADA@springfield.example");
  await page.keyboard.press("Enter");
  await page.waitForURL(/email=/);
  assert.match(await page.textContent("main"), /1 credential\(s\)/);
  await page.keyboard.press("Tab");
  await page.getByRole("link", { name: "Ada Teacher" }).focus();
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/console\/credential\?/);
  await shoot(page, "credential");
  await page.check('input[value="revoke"]');
  await page.fill("#reason", "Awarded to the wrong teacher");
  await page.click('form[action="/console/credential/status"] button[type="submit"]');
  assert.match(await page.textContent("main"), /Revocation is final/);
  await shoot(page, "confirm-revoke");
  assert.ok((await statusOf(credentials.ada)).ok, "nothing changes before confirming");
  await page.click('form[action="/console/credential/status"] button[type="submit"]');
  await page.waitForURL(/done=revoke/);
  assert.match(await page.textContent("main"), /Revoked/);
  assert.match(await page.textContent("main"), /staff:admin@springfield\.example/);
  await shoot(page, "revoked");
  assert.match((await statusOf(credentials.ada)).text, /revoked/i);
  // A part of the name finds her too.
  await page.goto(`${base}/console/credentials?name=ADA%20teach`);
  assert.match(await page.textContent("main"), /1 credential\(s\)/);
  await page.setViewportSize({ width: 390, height: 844 });
  await shoot(page, "revoked-390");
  await context.close();
});

test("staff award a credential after a preview, hand it to a wallet and email the award again", async () => {
  const { page, context } = await signIn("admin@springfield.example");
  await page.goto(`${base}/console/award`);
  await shoot(page, "award");
  await page.selectOption("#achievement", "formative-assessment");
  await page.fill("#name", "Katherine Johnson");
  await page.fill("#email", "katherine@springfield.example");
  await page.fill("#evidence_url", "https://portfolio.example/katherine/unit-plan");
  await page.fill("#credits", "15");
  await page.click('form[action="/console/award"] button[type="submit"]');
  const preview = await page.textContent("main pre");
  assert.match(preview, /Katherine Johnson/);
  assert.match(preview, /portfolio\.example\/katherine\/unit-plan/);
  assert.doesNotMatch(preview, /"proof"/, "the preview is not signed");
  await shoot(page, "award-preview");
  const api = (email) => context.request.get(`${base}/api/v1/credentials?recipient=${encodeURIComponent(email)}`);
  assert.equal((await (await api("katherine@springfield.example")).json()).credentials.length, 0, "nothing issued by the preview");
  await page.click('main form[action="/console/award"] button[type="submit"]');
  await page.waitForURL(/done=issued/);
  assert.match(await page.textContent("main dl"), /Katherine Johnson/);
  assert.match(await page.textContent("main table"), /staff:admin@springfield\.example/);
  // The admin API finds the same credential by the recipient's email: one use case underneath.
  const listed = (await (await api("katherine@springfield.example")).json()).credentials;
  assert.equal(listed.length, 1);
  assert.equal(decodeURIComponent(new URL(page.url()).searchParams.get("id")), listed[0].id);
  await shoot(page, "awarded");
  // Wallet codes to show the teacher.
  await page.click("text=Show wallet codes (QR)");
  assert.match(await page.textContent("[role=status]"), /Give the teacher this code/);
  assert.equal((await page.$$("div.qr svg")).length, 2);
  await shoot(page, "wallet-codes");
  // The award email again: only to the address it was awarded to.
  await page.goBack();
  await page.fill("#resend-email", "someone.else@springfield.example");
  await page.click('form[action="/console/credential/resend"] button');
  assert.equal(await page.textContent("details .code"), "invalid_input");
  await page.goBack();
  const before = mails.filter((m) => m.includes("katherine@springfield.example")).length;
  await page.fill("#resend-email", "katherine@springfield.example");
  await page.click('form[action="/console/credential/resend"] button');
  await page.waitForURL(/done=resent/);
  for (let i = 0; i < 50 && mails.filter((m) => m.includes("katherine@springfield.example")).length <= before; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(mails.filter((m) => m.includes("katherine@springfield.example")).length, before + 1);
  await context.close();
});

test("achievements: created, edited as a new version that leaves issued credentials alone, archived", async () => {
  const { page, context } = await signIn("admin@springfield.example");
  await page.goto(`${base}/console/achievements`);
  await shoot(page, "achievements");
  await page.click("text=New achievement");
  await page.fill("#name", "Culturally Responsive Teaching");
  await page.fill("#description", "Builds lessons on students' cultures and languages.");
  await page.fill("#criteria", "A unit plan and a reflection on two students' responses.");
  await page.fill("#credits", "10");
  await page.fill("#validity_months", "36");
  await page.fill("#a0_name", "InTASC Standard 2: Learning Differences");
  await page.fill("#a0_url", "https://ccsso.org/intasc");
  await shoot(page, "achievement-new");
  await page.click('form[action="/console/achievements"] button[type="submit"]');
  await page.waitForURL(/done=created/);
  const slug = new URL(page.url()).searchParams.get("slug");
  assert.equal(slug, "culturally-responsive-teaching");
  // Its image: a baked badge PNG is uploaded; what is served keeps only the pixels.
  await page.setInputFiles("#image", path.join(root, "tests/vectors/valid/baked-did-key.png"));
  await page.click('form[action="/console/achievements/image"] button');
  await page.waitForURL(/done=image/);
  assert.ok(await page.$eval("main img", (img) => img.complete && img.naturalWidth === 96));
  const served = await context.request.get(`${base}/achievements/${slug}/image`);
  assert.equal(served.headers()["content-type"], "image/png");
  assert.ok(!(await served.body()).includes(Buffer.from("openbadgecredential")), "the baked credential is not served");
  await shoot(page, "achievement-image");
  // A file that is not an image is refused.
  await page.setInputFiles("#image", { name: "notes.png", mimeType: "image/png", buffer: Buffer.from("not a picture") });
  await page.click('form[action="/console/achievements/image"] button');
  assert.equal(await page.textContent("details .code"), "invalid_input");
  // A slug that exists: the form again, with the reason, nothing changed.
  await page.goto(`${base}/console/achievements/new`);
  await page.fill("#slug", "formative-assessment");
  await page.fill("#name", "Duplicate");
  await page.fill("#description", "x");
  await page.fill("#criteria", "x");
  const refused = await Promise.all([page.waitForNavigation(), page.click('form[action="/console/achievements"] button[type="submit"]')]);
  assert.equal(refused[0].status(), 409);
  assert.match(await page.textContent("[role=alert]"), /achievement_exists/);
  assert.equal(await page.inputValue("#name"), "Duplicate", "the form keeps what was typed");
  await shoot(page, "achievement-refused");
  // Award it once, then edit it: the issued credential keeps its text.
  await page.goto(`${base}/console/award?achievement=${slug}`);
  await page.fill("#name", "Mary Jackson");
  await page.fill("#email", "mary@springfield.example");
  await page.click('form[action="/console/award"] button[type="submit"]');
  await page.click('main form[action="/console/award"] button[type="submit"]');
  await page.waitForURL(/done=issued/);
  const credentialId = decodeURIComponent(new URL(page.url()).searchParams.get("id"));
  await page.goto(`${base}/console/achievements/edit?slug=${slug}`);
  await page.fill("#description", "Builds every unit on students' cultures, languages and communities.");
  await page.fill("#version", "2026-27");
  await page.click('form[action="/console/achievements/edit"] button[type="submit"]');
  await page.waitForURL(/done=saved/);
  await shoot(page, "achievement-saved");
  const api = await (await context.request.get(`${base}/api/v1/achievements/${slug}`)).json();
  assert.match(JSON.stringify(api), /communities/, "the API reads the new version");
  const issued = await context.request.get(credentialId, { headers: { accept: "application/json" } });
  const doc = await issued.json();
  assert.equal(doc.credentialSubject.achievement.description, "Builds lessons on students' cultures and languages.");
  assert.equal(doc.credentialSubject.achievement.image.id, `${base}/achievements/${slug}/image`);
  const years = (new Date(doc.validUntil) - new Date(doc.validFrom)) / (365.25 * 24 * 3600 * 1000);
  assert.ok(years > 2.99 && years < 3.01, `valid for the achievement's 36 months (${doc.validFrom} to ${doc.validUntil})`);
  const badge = await context.request.get(`${credentialId}/badge.png`);
  assert.equal(badge.status(), 200, "the badge is drawn with the uploaded image, read from the database");
  // Archive: no longer offered for awards.
  await page.check('input[name="confirm"]');
  await page.click('form[action="/console/achievements/archive"] button');
  await page.waitForURL(/done=archived/);
  await page.goto(`${base}/console/award`);
  assert.equal(await page.$(`#achievement option[value="${slug}"]`), null);
  await context.close();
});

test("a roster upload awards every good row, reports the bad one, and issues nothing twice", async () => {
  const { page, context } = await signIn("admin@springfield.example");
  const roster = [
    "email,name,achievement,credits,row_key",
    "dorothy@springfield.example,Dorothy Vaughan,formative-assessment,15,fall-001",
    "christine@springfield.example,Christine Darden,formative-assessment,15,fall-002",
    "nobody@springfield.example,No Body,no-such-achievement,,fall-003",
  ].join("\n");
  const upload = async (p) => {
    await p.goto(`${base}/console/roster`);
    await p.setInputFiles("#roster", { name: "fall-cohort.csv", mimeType: "text/csv", buffer: Buffer.from(roster) });
    await p.click('form[action="/console/roster"] button[type="submit"]');
    await p.waitForURL(/\/console\/roster\/run\?/);
  };
  await page.goto(`${base}/console/roster`);
  await shoot(page, "roster");
  await upload(page);
  // The page follows the run (console.js) and shows the results when it has finished.
  await page.waitForSelector("[role=status]", { timeout: 30000 });
  assert.match(await page.textContent("[role=status]"), /2 issued, 0 issued before \(skipped\), 1 refused, of 3 rows/);
  const rows = await page.$$eval("main tbody tr", (trs) => trs.map((t) => t.textContent));
  assert.equal(rows.length, 3);
  assert.match(rows.find((r) => r.includes("fall-003")), /achievement_not_found/);
  await shoot(page, "roster-results");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("text=Download the results (CSV)")]);
  const csv = readFileSync(await download.path(), "utf8");
  assert.match(csv.split("\n")[0], /^line,row_key,status,credential_id,code,message/);
  assert.equal(csv.trim().split("\n").length, 4);
  // Again, without JavaScript: the progress link leads to the results; nothing is issued twice.
  const plain = await browser.newContext({ javaScriptEnabled: false });
  await plain.addCookies(await context.cookies(base));
  const noScript = await plain.newPage();
  await upload(noScript);
  for (let i = 0; i < 50 && !(await noScript.$("[role=status]")); i++) {
    await new Promise((r) => setTimeout(r, 200));
    await noScript.click("text=Show the latest progress").catch(() => {});
  }
  assert.match(await noScript.textContent("[role=status]"), /0 issued, 2 issued before \(skipped\), 1 refused/);
  await plain.close();
  await context.close();
});

test("settings: the district's name and sender change at run time; a wrong value is refused with the form kept", async () => {
  const { page, context } = await signIn("admin@springfield.example");
  await page.goto(`${base}/console/settings`);
  assert.equal(await page.inputValue("#name"), "Springfield Public Schools");
  await shoot(page, "settings");
  await page.fill("#image", "http://insecure.example/logo.png");
  const refused = await Promise.all([page.waitForNavigation(), page.click('form[action="/console/settings"] button')]);
  assert.equal(refused[0].status(), 422);
  assert.match(await page.textContent("[role=alert]"), /https/);
  await page.fill("#image", "");
  await page.fill("#name", "Springfield Public Schools District 186");
  await page.fill("#email_from", "District 186 Credentials <credentials@springfield.example>");
  await page.click('form[action="/console/settings"] button');
  await page.waitForURL(/done=saved/);
  assert.match(await page.textContent("header .district"), /District 186/);
  const profile = await (await context.request.get(`${base}/`, { headers: { accept: "application/json" } })).json();
  assert.equal(profile.name, "Springfield Public Schools District 186");
  // Mail goes out from the new sender.
  await page.goto(`${base}/console/credential?id=${encodeURIComponent(credentials.grace)}`);
  const before = mails.length;
  await page.fill("#resend-email", "grace@springfield.example");
  await page.click('form[action="/console/credential/resend"] button');
  await page.waitForURL(/done=resent/);
  for (let i = 0; i < 50 && mails.length === before; i++) await new Promise((r) => setTimeout(r, 100));
  assert.match(mails[mails.length - 1], /From: "?District 186 Credentials"? <credentials@springfield\.example>/);
  // Back to cairn.toml's name for the tests that follow.
  await page.goto(`${base}/console/settings`);
  await page.fill("#name", "");
  await page.fill("#email_from", "");
  await page.click('form[action="/console/settings"] button');
  await page.waitForURL(/done=saved/);
  assert.equal(await page.inputValue("#name"), "Springfield Public Schools");
  await context.close();
});

test("the audit log filters by actor and action and exports CSV", async () => {
  const { page, context } = await signIn("admin@springfield.example");
  await page.goto(`${base}/console/audit?actor=${encodeURIComponent("staff:admin@springfield.example")}&action=credential.revoke`);
  const rows = await page.$$eval("main tbody tr", (trs) => trs.map((t) => t.textContent));
  assert.ok(rows.length >= 1 && rows.every((r) => r.includes("staff:admin@springfield.example")), rows.join("\n"));
  assert.ok(rows.every((r) => r.includes("credential.revoke")));
  await shoot(page, "audit");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("text=Download these entries as CSV")]);
  const csv = readFileSync(await download.path(), "utf8");
  assert.match(csv.split("\n")[0], /^at,actor,action,subject,detail/);
  assert.match(csv, /credential\.revoke/);
  assert.doesNotMatch(csv, /credential\.issue/, "the export holds only what the filter shows");
  await context.close();
});

test("API tokens: one is created and shown once, listed without its secret, and revoked", async () => {
  const { page, context } = await signIn("admin@springfield.example");
  await page.goto(`${base}/console/tokens`);
  await shoot(page, "tokens");
  await page.fill("#name", "Canvas LMS");
  await page.check('input[value="read"]');
  await page.click('form[action="/console/tokens"] button[type="submit"]');
  const secret = await page.inputValue("#secret");
  assert.match(secret, /^cairn_[0-9a-f]{16}_/);
  await shoot(page, "token-created");
  // The token works on the API, and only for what it may do.
  const ok = await context.request.get(`${base}/api/v1/credentials`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(ok.status(), 200);
  await page.goto(`${base}/console/tokens`);
  // The part after "cairn_<16 hex>_" (base64url: it may hold "_" itself) is never shown again.
  assert.ok(!(await page.content()).includes(secret.slice("cairn_".length + 17)));
  await page.getByRole("button", { name: "Revoke the token Canvas LMS" }).click();
  await page.waitForURL(`${base}/console/tokens`);
  assert.match(await page.textContent("main tbody"), /Revoked/);
  const refused = await context.request.get(`${base}/api/v1/credentials`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(refused.status(), 401);
  await context.close();
});

test("staff and keys: an administrator adds someone and changes a role; the keys as published", async () => {
  const { page, context } = await signIn("admin@springfield.example");
  await page.goto(`${base}/console/staff`);
  await page.fill("#email", "New.Hire@Springfield.example");
  await page.fill("#name", "New Hire");
  await page.selectOption("#role", "auditor");
  await page.click('form[action="/console/staff"] button[type="submit"]');
  await page.waitForURL(`${base}/console/staff`);
  assert.match(await page.textContent("main tbody"), /new\.hire@springfield\.example/);
  await page.selectOption("#role-new\\.hire\\@springfield\\.example", "staff");
  await page.getByRole("button", { name: "Change the role of new.hire@springfield.example" }).click();
  await page.waitForURL(`${base}/console/staff`);
  assert.equal(await page.inputValue("#role-new\\.hire\\@springfield\\.example"), "staff");
  await shoot(page, "staff");
  await page.goto(`${base}/console/keys`);
  assert.match(await page.textContent("main"), /key-1/);
  assert.match(await page.textContent("main"), /"keys"/);
  await shoot(page, "keys");
  await context.close();
});

test("an auditor reads but is refused what the role does not allow, in the page and in the API", async () => {
  const { page, context } = await signIn("auditor@county.example");
  await page.goto(`${base}/console/audit`);
  assert.equal(new URL(page.url()).pathname, "/console/audit");
  const nav = await page.$$eval("nav a", (as) => as.map((a) => a.textContent));
  assert.deepEqual(nav, ["Overview", "Credentials", "Achievements", "Audit log", "Keys"]);
  const tokens = await page.goto(`${base}/console/tokens`);
  assert.equal(tokens.status(), 403);
  assert.match(await page.textContent("main"), /Your role \(Auditor \(read only\)\) does not allow this/);
  await shoot(page, "refused-auditor");
  await page.goto(`${base}/console/credential?id=${encodeURIComponent(credentials.grace)}`);
  assert.equal(await page.$('input[value="revoke"]'), null, "no status form for an auditor");
  const csrf = await page.inputValue('header input[name="csrf"]');
  // The form's route and the API both refuse, though the request carries the session's token.
  const form = await context.request.post(`${base}/console/credential/status`, {
    form: { csrf, id: credentials.grace, action: "revoke", reason: "x", confirm: "yes" },
  });
  assert.equal(form.status(), 403);
  const api = await context.request.post(`${base}/api/v1/credentials/revoke`, {
    headers: { "content-type": "application/json", "x-csrf-token": csrf },
    data: JSON.stringify({ credentialId: credentials.grace, reason: "x" }),
  });
  assert.equal(api.status(), 403);
  assert.equal((await api.json()).code, "role_not_permitted");
  const read = await context.request.get(`${base}/api/v1/audit`);
  assert.equal(read.status(), 200, "an auditor reads the audit log through the API too");
  assert.ok((await statusOf(credentials.grace)).ok);
  await context.close();
});

test("a reviewer sees only the overview", async () => {
  const { page, context } = await signIn("reviewer@springfield.example");
  assert.match(await page.textContent("main"), /Welcome, Rita Reviewer/);
  const refused = await page.goto(`${base}/console/credentials`);
  assert.equal(refused.status(), 403);
  const api = await context.request.get(`${base}/api/v1/credentials`);
  assert.equal(api.status(), 403);
  await context.close();
});

for (const [label, email, mode, code] of [
  ["an email outside the allowed domains", "eve@elsewhere.example", null, "email_not_allowed"],
  ["someone allowed by domain but not on the staff list", "stranger@springfield.example", null, "not_staff"],
  ["an address the provider has not verified", "unverified@springfield.example", null, "email_unverified"],
  ["an ID token signed by another key", "admin@springfield.example", "forged", "id_token_invalid"],
  ["an ID token for another client", "admin@springfield.example", "audience", "id_token_invalid"],
  ["an expired ID token", "admin@springfield.example", "expired", "id_token_invalid"],
]) {
  test(`sign-in is refused for ${label}`, async () => {
    idp.tamper(mode);
    try {
      const { page, context } = await signIn(email);
      assert.equal(new URL(page.url()).pathname, "/console/sign-in/callback");
      assert.match(await page.textContent("h1"), /You could not be signed in/);
      assert.equal(await page.textContent("details .code"), code);
      assert.equal(await sessionCookie(context), undefined, "no session");
      const console = await page.goto(`${base}/console`);
      assert.equal(new URL(console.url()).pathname, "/console/sign-in");
      if (code === "id_token_invalid" && mode === "forged") await shoot(page, "refused-sign-in");
      await context.close();
    } finally {
      idp.tamper(null);
    }
  });
}

test("a replayed state is refused, and a planted session id is never the one signed in", async () => {
  const context = await browser.newContext();
  await context.addCookies([{ name: "cairn-session", value: "planted-by-an-attacker-0123456789abcdef", url: base }]);
  const page = await context.newPage();
  const planted = await page.goto(`${base}/console`);
  assert.equal(new URL(planted.url()).pathname, "/console/sign-in", "a planted id is no session");
  await context.close();
  const second = await signIn("admin@springfield.example", {}, [
    { name: "cairn-session", value: "planted-by-an-attacker-0123456789abcdef", url: base },
  ]);
  const fresh = await sessionCookie(second.context);
  assert.ok(fresh && fresh !== "planted-by-an-attacker-0123456789abcdef", "a new session id at sign-in");
  // The callback URL again, in the same browser: its state was used.
  const replay = await second.page.goto(second.callback);
  assert.equal(replay.status(), 400);
  assert.equal(await second.page.textContent("details .code"), "sign_in_state_invalid");
  await second.context.close();
});

test("forms without the session's token, cross-site forms and API calls without X-CSRF-Token change nothing", async () => {
  const { page, context } = await signIn("admin@springfield.example");
  const noToken = await context.request.post(`${base}/console/credential/status`, {
    form: { id: credentials.grace, action: "revoke", reason: "no token", confirm: "yes" },
  });
  assert.equal(noToken.status(), 403);
  assert.match(await noToken.text(), /csrf_token_invalid/);
  const api = await context.request.post(`${base}/api/v1/credentials/revoke`, {
    headers: { "content-type": "application/json" },
    data: JSON.stringify({ credentialId: credentials.grace, reason: "no header" }),
  });
  assert.equal(api.status(), 403);
  assert.equal((await api.json()).code, "csrf_token_invalid");
  // Another site's page posting the form: the browser does not send the Lax session cookie.
  const attack = await context.newPage();
  await attack.goto(`http://localhost:${attackerSite.address().port}/`);
  await attack.waitForURL((u) => u.href.startsWith(base));
  assert.equal(new URL(attack.url()).pathname, "/console/sign-in");
  assert.ok((await statusOf(credentials.grace)).ok, "Grace's credential is still valid");
  await page.goto(`${base}/console/credential?id=${encodeURIComponent(credentials.grace)}`);
  assert.match(await page.textContent("main dl"), /Valid/);
  await context.close();
});

/// The sign-in link in a mail (quoted-printable soft breaks and `=3D` undone), as a path.
function linkPath(mail) {
  const text = mail.replace(/=\n/g, "").replace(/=3D/g, "=");
  const m = text.match(/http:\/\/127\.0\.0\.1:\d+(\/console\/sign-in\/link\/[A-Za-z0-9_-]+)/);
  assert.ok(m, `no sign-in link in: ${text}`);
  return m[1];
}

test("a partner outside the directory signs in with an emailed link, once", async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(`${base}/console/sign-in`);
  await shoot(page, "sign-in-390");
  await page.fill("#email", "pat@neighbor.example");
  await page.click('form[action="/console/sign-in/email"] button');
  assert.match(await page.textContent("[role=status]"), /sign-in link is on its way/);
  for (let i = 0; i < 50 && !mails.some((m) => m.includes("pat@neighbor.example")); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const mail = mails.find((m) => m.includes("pat@neighbor.example"));
  assert.ok(mail, "the sign-in mail");
  const link = linkPath(mail);
  await page.goto(base + link);
  await shoot(page, "sign-in-link");
  await page.click('main button[type="submit"]');
  await page.waitForURL(`${base}/console`);
  assert.match(await page.textContent("header"), /pat@neighbor\.example/);
  const again = await context.newPage();
  await again.goto(base + link);
  await again.click('main button[type="submit"]');
  assert.equal(await again.textContent("details .code"), "sign_in_link_invalid");
  // An address that is not staff gets the same answer and no mail.
  const before = mails.length;
  await page.goto(`${base}/console/sign-in`);
  await page.fill("#email", "nobody@elsewhere.example");
  await page.click('form[action="/console/sign-in/email"] button');
  assert.match(await page.textContent("[role=status]"), /sign-in link is on its way/);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(mails.length, before);
  await context.close();
});

test("signing out everywhere ends the person's other sessions", async () => {
  const a = await signIn("admin@springfield.example");
  const b = await signIn("admin@springfield.example");
  await a.page.goto(`${base}/console`);
  await a.page.click("text=Sign out on every device");
  assert.match(await a.page.textContent("main"), /signed out on every device/);
  await shoot(a.page, "signed-out");
  const elsewhere = await b.page.goto(`${base}/console`);
  assert.equal(new URL(elsewhere.url()).pathname, "/console/sign-in");
  await a.context.close();
  await b.context.close();
});
