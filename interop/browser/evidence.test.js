// Earning a micro-credential by evidence in headless Chromium, every person signed in for real
// (the district's OpenID provider from oidc.js; a partner district's reviewer by an emailed link):
// a teacher submits (texts, a PDF, a link); two blind reviewers disagree; the partner reviewer
// breaks the tie with "not yet" and feedback; the teacher reads the feedback and resubmits; both
// reviewers say "earned"; the credential is issued with the rubric's results, matches the official
// OB 3.0 JSON Schema, and verifies in the reference JavaScript stack (interop/js) and in
// cairn-verify. Around it: blind review hides the teacher (checked in the HTML), another teacher
// and an unassigned reviewer are refused, a declared conflict is refused, files are refused by
// content. axe-core on every page; screenshots in target/browser/evidence-*.png.
//
// Run: cargo build -p cairn -p cairn-verify && (cd interop/js && npm ci) && (cd interop/browser && npm ci && node --test evidence.test.js)

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, readFileSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Ajv2019 from "ajv/dist/2019.js";
import addFormats from "ajv-formats";
import { root, artifacts, startServer, launchBrowser, assertAccessible, smtpSink } from "./harness.js";
import { startProvider, freePort } from "./oidc.js";

const cairn = process.env.CAIRN_BIN ?? path.join(root, "target/debug/cairn");
const cairnVerify = path.join(root, "target/debug/cairn-verify");
const execFileAsync = promisify(execFile);
const PDF = Buffer.from("%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");

let server;
let base;
let browser;
let idp;
let smtp;
let dir;
const mails = [];
const state = {};

async function run(bin, ...args) {
  const { stdout } = await execFileAsync(bin, args, { encoding: "utf8" });
  return stdout;
}

before(async () => {
  smtp = await smtpSink(mails);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  idp = await startProvider({ redirectUri: `${base}/console/sign-in/callback` });
  dir = path.join(mkdtempSync(path.join(tmpdir(), "cairn-evidence-")), "springfield");
  await run(cairn, "init", dir, "--name", "Springfield Public Schools", "--url", base, "--admin", "admin@springfield.example");
  const config = path.join(dir, "cairn.toml");
  // Anyone of the district who signs in through its provider and is not staff is a teacher.
  appendFileSync(config, `
[oidc]
issuer = "${idp.issuer}"
client_id = "${idp.clientId}"
display_name = "Springfield Google Workspace"
allowed_domains = ["springfield.example"]
default_role = "teacher"

[smtp]
host = "127.0.0.1"
port = ${smtp.address().port}
security = "none"
from = "Springfield Credentials <credentials@springfield.example>"
`);
  // The example achievement, with Springfield's reviewers: two of the district, one partner.
  const example = readFileSync(path.join(root, "examples/achievements/student-feedback-evidence.toml"), "utf8")
    .replace(/reviewers = \[.*\]/, 'reviewers = ["rita@springfield.example", "rob@springfield.example", "tess@neighbor.example"]')
    // Due in a day, so reminders are due at once.
    .replace("dueDays = 14", "dueDays = 1");
  const definition = path.join(dir, "feedback.toml");
  writeFileSync(definition, example);
  await run(cairn, "achievement", "add", "--config", config, definition);
  await run(cairn, "user", "add", "--config", config, "--role", "reviewer", "--name", "Rita Reviewer", "rita@springfield.example");
  await run(cairn, "user", "add", "--config", config, "--role", "reviewer", "--name", "Rob Reviewer", "rob@springfield.example");
  await run(cairn, "user", "add", "--config", config, "--role", "reviewer", "--name", "Tess Partner", "tess@neighbor.example");
  await run(cairn, "user", "add", "--config", config, "--role", "reviewer", "--name", "Una Unassigned", "una@springfield.example");
  process.env.CAIRN_OIDC_CLIENT_SECRET = idp.clientSecret;
  ({ server } = await startServer(cairn, ["serve", "--config", config, "--bind", `127.0.0.1:${port}`]));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  idp?.close();
  smtp?.close();
});

async function shoot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `evidence-${name}.png`), fullPage: true });
  await assertAccessible(browser, page, name);
}

/// Signs `email` in through the district's provider in a new context.
async function signIn(email, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  await page.goto(`${base}/console/sign-in`);
  await page.getByRole("link", { name: "Sign in with Springfield Google Workspace" }).click();
  await page.fill('input[name="login"]', email);
  await page.fill('input[name="password"]', "any password");
  await page.click('button[type="submit"]');
  if (page.url().startsWith(idp.issuer)) await page.click('button[type="submit"]');
  await page.waitForURL((u) => u.href.startsWith(base));
  return { page, context };
}

/// Waits for a mail to `to` containing `pattern`, beyond the first `skip` such mails.
async function mailTo(to, pattern, skip = 0) {
  const matching = () => mails.filter((m) => m.includes(to) && pattern.test(m.replace(/=\n/g, "").replace(/=3D/g, "=")));
  for (let i = 0; i < 100 && matching().length <= skip; i++) await new Promise((r) => setTimeout(r, 100));
  const found = matching();
  assert.ok(found.length > skip, `no mail to ${to} matching ${pattern}`);
  return found[found.length - 1].replace(/=\n/g, "").replace(/=3D/g, "=");
}

/// The partner reviewer signs in with an emailed link (outside the district's directory).
async function signInByLink(email) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const before = mails.filter((m) => m.includes(email) && /sign-in\/link/.test(m.replace(/=\n/g, ""))).length;
  await page.goto(`${base}/console/sign-in`);
  await page.fill("#email", email);
  await page.click('form[action="/console/sign-in/email"] button');
  const mail = await mailTo(email, /\/console\/sign-in\/link\//, before);
  const link = mail.match(/http:\/\/127\.0\.0\.1:\d+(\/console\/sign-in\/link\/[A-Za-z0-9_-]+)/)[1];
  await page.goto(base + link);
  await page.click('main button[type="submit"]');
  await page.waitForURL(`${base}/console`);
  return { page, context };
}

/// Opens `reviewer`'s open review from "My reviews"; returns the page on the review form.
async function openReview(page) {
  await page.goto(`${base}/console/reviews`);
  await page.getByRole("link", { name: "Feedback That Moves Learning" }).first().click();
  await page.waitForSelector('form[action^="/console/reviews/"]');
  return page;
}

/// Fills and submits a review: one level for every criterion, feedback, a recommendation.
async function review(page, level, recommendation, feedback) {
  for (const group of await page.locator("fieldset:has(input[name^=level-])").all()) {
    await group.getByLabel(level, { exact: false }).first().check();
  }
  await page.fill("#feedback-plan", feedback);
  await page.fill("#overall", `${feedback} (overall)`);
  await page.getByRole("group", { name: "Your recommendation" }).getByLabel(recommendation, { exact: false }).check();
  await page.click('form[action^="/console/reviews/"] button[type="submit"]');
  await page.waitForURL(/done=submitted/);
  assert.match(await page.textContent("[role=status]"), /Your review is submitted/);
}

async function submitEvidence(page, changeNote) {
  await page.goto(`${base}/console/submissions`);
  await page.locator('main ul a[href^="/console/submit?"]', { hasText: "Feedback That Moves Learning" }).click();
  await page.fill("#teacher_name", "Tina Teacher");
  await page.fill("#answer-overview", "Grade 7 science: a four-week unit on ecosystems, 28 students.");
  await page.fill("#answer-reflection", "Students revised their food-web models after my written comments.");
  await page.setInputFiles("#files", [{ name: "unit-plan.pdf", mimeType: "application/pdf", buffer: PDF }]);
  await page.fill("#link-title-1", "Lesson video");
  await page.fill("#link-url-1", "https://video.springfield.example/lesson-4");
  if (changeNote) await page.fill("#change_note", changeNote);
  await page.click('form[action="/console/submit"] button[type="submit"]');
  await page.waitForURL(/\/console\/submissions\/[0-9a-f-]+\?done=submitted/);
  return new URL(page.url()).pathname.split("/").pop();
}

test("the whole path: submit, disagree, tie-break, feedback, resubmit, earned, issued and verified", async () => {
  // The teacher signs in through the district's provider (a teacher by default_role).
  const tina = await signIn("tina@springfield.example");
  assert.match(await tina.page.textContent("header"), /Teacher/);
  await tina.page.goto(`${base}/console/submissions`);
  await shoot(tina.page, "my-submissions-empty");
  await tina.page.getByRole("link", { name: "Feedback That Moves Learning" }).click();
  await shoot(tina.page, "submit-form");
  // A file whose content is not what its name says is refused; nothing is stored.
  await tina.page.fill("#teacher_name", "Tina Teacher");
  await tina.page.fill("#answer-overview", "x");
  await tina.page.fill("#answer-reflection", "y");
  await tina.page.setInputFiles("#files", [{ name: "plan.pdf", mimeType: "application/pdf", buffer: Buffer.from("MZ\x90\x00 an executable") }]);
  await tina.page.click('form[action="/console/submit"] button[type="submit"]');
  assert.equal(await tina.page.textContent("details .code"), "artifact_refused");
  await shoot(tina.page, "file-refused");

  // Before submitting, she asks that it count toward her salary lane; the office approves.
  await tina.page.goto(`${base}/console/submissions`);
  await tina.page.selectOption("#pa-purpose", "salary-step");
  await tina.page.fill("#pa-detail", "BA+15 lane");
  await tina.page.click('form[action="/console/preapprovals/request"] button');
  assert.match(await tina.page.textContent("[role=status]"), /request for pre-approval is sent/);
  assert.match(await tina.page.textContent("main"), /Waiting for a decision/);
  const office = await signIn("admin@springfield.example");
  await office.page.goto(`${base}/console/preapprovals`);
  assert.match(await office.page.textContent("main"), /BA\+15 lane/);
  await shoot(office.page, "preapprovals");
  await office.page.getByRole("button", { name: "Approve" }).click();
  await office.page.waitForURL(`${base}/console/preapprovals`);
  assert.match(await office.page.textContent("main"), /Approved/);

  const first = await submitEvidence(tina.page);
  state.first = first;
  assert.match(await tina.page.textContent("main"), /In review/);
  await shoot(tina.page, "submitted");

  // Two reviewers were assigned in turn and emailed.
  await mailTo("rita@springfield.example", /A submission to review/);
  await mailTo("rob@springfield.example", /A submission to review/);
  // Reviews due within two days are reminded once, whoever runs the reminders (the command
  // here, or the service's hourly round): a second run reminds nobody again.
  const config = path.join(dir, "cairn.toml");
  await run(cairn, "evidence", "remind", "--config", config);
  await mailTo("rita@springfield.example", /Reminder: a review is due by/);
  assert.match(await run(cairn, "evidence", "remind", "--config", config), /reminded 0 review\(s\)/);
  await new Promise((r) => setTimeout(r, 500));
  const reminders = mails.filter((m) => m.includes("rita@springfield.example") && /Reminder: a review is due by/.test(m.replace(/=\n/g, "")));
  assert.equal(reminders.length, 1);

  // Rita's review is blind: neither the teacher's name nor address is in the HTML.
  const rita = await signIn("rita@springfield.example");
  assert.match(await rita.page.textContent("main"), /1 review\(s\) waiting for you/);
  await shoot(rita.page, "reviewer-overview");
  await openReview(rita.page);
  const html = await rita.page.content();
  assert.ok(!/tina/i.test(html), "blind review: no teacher in the HTML");
  assert.match(await rita.page.textContent("main"), /Hidden: this is a blind review/);
  await shoot(rita.page, "review-form");
  // The file opens for the assigned reviewer (downloaded, never rendered by the page).
  const download = rita.page.waitForEvent("download");
  await rita.page.getByRole("link", { name: "unit-plan.pdf" }).click();
  assert.equal((await download).suggestedFilename(), "unit-plan.pdf");
  // "Earned" with a criterion below its level is refused, as the rubric says.
  for (const group of await rita.page.locator("fieldset:has(input[name^=level-])").all()) {
    await group.getByLabel("Developing").check();
  }
  await rita.page.getByLabel("Earned").check();
  await rita.page.click('form[action^="/console/reviews/"] button[type="submit"]');
  assert.equal(await rita.page.textContent("details .code"), "invalid_input");
  await openReview(rita.page);
  await review(rita.page, "Demonstrated", "Earned", "A clear feedback plan.");

  // Rob disagrees: the tie-break opens and goes to the partner reviewer.
  const rob = await signIn("rob@springfield.example");
  await openReview(rob.page);
  assert.ok(!/Rita|rita@/.test(await rob.page.content()), "blind review: no other review");
  await review(rob.page, "Developing", "Not yet", "The student work lacks next steps.");
  await mailTo("tess@neighbor.example", /A submission to review/);

  // Another teacher and an unassigned reviewer cannot open the submission or its file.
  const tom = await signIn("tom@springfield.example");
  for (const p of [tom.page, (await signIn("una@springfield.example")).page]) {
    const r = await p.goto(`${base}/console/submissions/${first}`);
    assert.equal(r.status(), 404);
    assert.equal(await p.textContent("details .code"), "submission_not_found");
  }
  await shoot(tom.page, "not-yours");

  // The partner reviewer, signed in by an emailed link, breaks the tie: not yet.
  const tess = await signInByLink("tess@neighbor.example");
  await openReview(tess.page);
  assert.match(await tess.page.textContent("main"), /Tie-break/);
  await review(tess.page, "Developing", "Not yet", "Add a next step to each comment.");
  await shoot(tess.page, "review-submitted");

  // The teacher is emailed and reads the feedback per criterion, without reviewers' names.
  await mailTo("tina@springfield.example", /Your submission for Feedback That Moves Learning: Not yet/);
  await tina.page.goto(`${base}/console/submissions/${first}`);
  const feedback = await tina.page.textContent("main");
  assert.match(feedback, /Not yet/);
  assert.match(feedback, /Add a next step to each comment\./);
  assert.ok(!/rita@|rob@|tess@/.test(await tina.page.content()), "no reviewer names for the teacher");
  await shoot(tina.page, "feedback");

  // Attempt 2, with what changed.
  await tina.page.getByRole("link", { name: "Submit again" }).click();
  const second = await submitEvidence(tina.page, "Each comment now ends with one next step.");
  state.second = second;
  assert.match(await tina.page.textContent("main"), /Attempt\s*2/);
  for (const who of [rita, rob]) {
    await openReview(who.page);
    await review(who.page, "Demonstrated", "Earned", "Now every comment has a next step.");
  }

  // Earned: the credential is issued at once and the teacher is emailed.
  await mailTo("tina@springfield.example", /Your micro-credential: Feedback That Moves Learning/);
  await tina.page.goto(`${base}/console/submissions/${second}`);
  assert.match(await tina.page.textContent("main"), /Earned/);
  await shoot(tina.page, "earned");
  const href = await tina.page.getByRole("link", { name: "Open its page to share it" }).getAttribute("href");
  const response = await tina.page.request.get(`${base}${href}/credential.json`);
  assert.equal(response.status(), 200);
  const credential = await response.json();
  const results = credential.credentialSubject.result;
  assert.equal(results.length, 3);
  assert.ok(results.every((r) => r.achievedLevel.endsWith("-level-demonstrated")));
  assert.equal(credential.credentialSubject.achievement.resultDescription.length, 3);
  assert.ok(!JSON.stringify(credential).includes("food-web"), "the teacher's texts are not public");

  // The official OB 3.0 schema (its one known difference: Cairn's two status entries).
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  addFormats(ajv);
  const schema = JSON.parse(readFileSync(path.join(root, "../shared/spec/achievementcredential.json"), "utf8"));
  const validate = ajv.compile(schema);
  const single = { ...credential, credentialStatus: credential.credentialStatus[0] };
  assert.ok(validate(single), JSON.stringify(validate.errors, null, 2));

  // The reference JavaScript stack and cairn-verify, with the status lists as published.
  const file = path.join(artifacts, "evidence-credential.json");
  writeFileSync(file, JSON.stringify(credential, null, 2));
  const docs = [];
  for (const entry of credential.credentialStatus) {
    const list = await tina.page.request.get(entry.statusListCredential);
    const saved = path.join(dir, `${entry.statusPurpose}.json`);
    writeFileSync(saved, await list.text());
    docs.push("--doc", `${entry.statusListCredential}=${saved}`);
  }
  const reference = await run("node", path.join(root, "interop/js/verify-file.js"), file, ...docs);
  assert.match(reference, /verified by the reference JavaScript stack \(2 status entries clear\)/);
  const verdict = await run(cairnVerify, "verify", file, ...docs);
  assert.match(verdict, /^VALID/);

  // HR's payroll export names the award as pre-approved; the reports count the disagreement.
  const payroll = await office.page.request.get(`${base}/console/payroll.csv`);
  assert.equal(payroll.status(), 200);
  const csv = await payroll.text();
  assert.match(csv, /Tina Teacher,tina@springfield\.example,Feedback That Moves Learning,1,\d{4}-\d\d-\d\d,[^,]+,yes,A salary step or lane change,BA\+15 lane/);
  await office.page.goto(`${base}/console/reports`);
  const reports = await office.page.textContent("main");
  assert.match(reports, /Two reviewers agreed\s*50%/);
  assert.match(reports, /Tie-breaks needed\s*1/);
  await shoot(office.page, "reports");

  // Staff see every submission and its reviews, with names.
  const admin = await signIn("admin@springfield.example");
  await admin.page.goto(`${base}/console/submissions?all=1`);
  assert.match(await admin.page.textContent("main"), /Tina Teacher/);
  await shoot(admin.page, "all-submissions");
  await admin.page.goto(`${base}/console/submissions/${first}`);
  assert.match(await admin.page.textContent("main"), /tess@neighbor\.example/);
  await shoot(admin.page, "staff-view");
});

test("a declared conflict is refused when assigning by hand; pages fit 320 px", async () => {
  const admin = await signIn("admin@springfield.example", { viewport: { width: 320, height: 800 } });
  await admin.page.goto(`${base}/console/conflicts`);
  await admin.page.fill("#reviewer", "una@springfield.example");
  await admin.page.fill("#teacher", "tom@springfield.example");
  await admin.page.fill("#note", "Same school");
  await admin.page.click('form[action="/console/conflicts"] button');
  assert.match(await admin.page.textContent("main"), /una@springfield\.example/);
  await shoot(admin.page, "conflicts-320");
  // Tom submits; assigning Una by hand is refused.
  const tom = await signIn("tom@springfield.example", { viewport: { width: 320, height: 800 } });
  const id = await submitEvidence(tom.page);
  await admin.page.goto(`${base}/console/submissions/${id}`);
  await shoot(admin.page, "staff-open-320");
  await admin.page.fill("#reviewer", "una@springfield.example");
  await admin.page.click(`form[action="/console/submissions/${id}/assign"] button`);
  assert.equal(await admin.page.textContent("details .code"), "review_conflict");
  // Tom withdraws; the file is gone.
  await tom.page.goto(`${base}/console/submissions/${id}`);
  await shoot(tom.page, "teacher-open-320");
  await tom.page.check('input[name="confirm"]');
  await tom.page.click(`form[action="/console/submissions/${id}/withdraw"] button`);
  assert.match(await tom.page.textContent("[role=status]"), /withdrawn/);
  for (const p of [admin.page, tom.page]) {
    const width = await p.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 320, `no sideways scrolling at 320 px (${width})`);
  }
});
