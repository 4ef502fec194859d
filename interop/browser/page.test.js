// The cairn-verify page in headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core): upload a valid and a tampered credential and read the verdict, paste a JWT,
// drop a baked badge, use the keyboard, work without JavaScript, and show hostile markup as text.
// Screenshots go to target/browser/ (CI keeps them as artifacts).
//
// Run: cargo build -p cairn-verify && (cd interop/browser && npm ci && node --test)

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { root, vectors, artifacts, startServer, launchBrowser, assertAccessible } from "./harness.js";

const binary = process.env.CAIRN_VERIFY_BIN ?? path.join(root, "target/debug/cairn-verify");

let server;
let base;
let browser;

before(async () => {
  // The verifier's own identity, for the signed records (cairn-verify init).
  const dir = mkdtempSync(path.join(tmpdir(), "cairn-page-verifier-"));
  execFileSync(binary, ["init", "--name", "Shelbyville School District — Human Resources", "--dir", dir]);
  // Offline: the test credentials need no fetching, and nothing here may leave the machine.
  ({ server, base } = await startServer(binary, [
    "serve", "--bind", "127.0.0.1:0", "--offline",
    "--identity", path.join(dir, "verifier.toml"), "--time-zone", "America/Chicago",
    "--registry", path.join(root, "examples/trust-registry.json"),
    // The share link the QR code in tests/vectors/photos/certificate-qr.png holds.
    "--doc", `https://credentials.springfield.example/share/edna=${path.join(vectors, "valid/did-key.json")}`,
    // The issuer profile of the https-identified vector (a domain no registry entry names).
    "--doc", `https://credentials.springfield.example/issuers/1=${path.join(vectors, "docs/springfield-issuer-profile.json")}`,
  ]));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
});

/// A fresh page that fails the test on any console error (a CSP violation shows up as one).
async function open(options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  const response = await page.goto(base + "/");
  assert.equal(response.status(), 200);
  return { page, context, errors };
}

async function verdictOf(page) {
  const banner = page.locator("#verdict");
  return { verdict: await banner.getAttribute("data-verdict"), text: (await banner.textContent()).trim() };
}

async function submitFile(page, file) {
  await page.setInputFiles("#file", file);
  await Promise.all([page.waitForNavigation(), page.click("form.check button[type=submit]")]);
}

test("the page: language, labels, strict CSP, no console errors", async () => {
  const { page, context, errors } = await open();
  const response = await page.request.get(base + "/");
  const csp = response.headers()["content-security-policy"];
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.equal(await page.getAttribute("html", "lang"), "en");
  assert.equal(await page.title(), "Check a credential — Cairn");
  for (const id of ["file", "text", "url"]) {
    assert.equal(await page.locator(`label[for=${id}]`).count(), 1, `label for ${id}`);
  }
  // The stylesheet applied under the CSP: the submit button is styled blue.
  const background = await page.locator("button[type=submit]").evaluate((b) => getComputedStyle(b).backgroundColor);
  assert.equal(background, "rgb(26, 95, 180)");
  await page.screenshot({ path: path.join(artifacts, "form.png"), fullPage: true });
  await assertAccessible(browser, page, "form.png");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a valid credential file: valid, recognised, what it counts for", async () => {
  const { page, context, errors } = await open();
  await submitFile(page, path.join(vectors, "valid/did-key.json"));
  const { verdict, text } = await verdictOf(page);
  assert.equal(verdict, "valid");
  assert.equal(text, "Valid");
  const body = await page.locator("main").textContent();
  assert.match(body, /Recognised by Lakeside Consortium of Districts/);
  assert.match(body, /15 CE hours/);
  assert.match(body, /Lane B, \+1 step/);
  assert.match(body, /Formative Assessment in Practice/);
  // What the credential says (issue 19 item 5): description, criteria, credits, evidence.
  assert.match(body, /Designs and uses formative assessment to adjust instruction\./);
  assert.match(body, /Submit a unit plan, student work and a reflection\./);
  assert.match(body, /Credits\s*15/);
  assert.match(body, /Unit plan\s*https:\/\/portfolio\.example\/ek\/unit/);
  // Dates in the district's time zone (--time-zone America/Chicago): 09:00 UTC is 03:00 CST.
  assert.match(body, /15 January 2026, 03:00 CST/);
  assert.match(body, /name given by the credential itself, not confirmed/);
  await page.screenshot({ path: path.join(artifacts, "valid.png"), fullPage: true });
  await assertAccessible(browser, page, "valid.png");
  assert.deepEqual(errors, []);
  await context.close();
});

// Who vouches for the issuer (issue 19), at a desktop and a phone width: the registry's name, a
// domain, or nobody. A did:key credential that borrows a registered district's name (the
// reference stack's vector: another key, "Springfield Public Schools") is never called valid or
// genuine in a green banner.
for (const width of [1280, 390]) {
  test(`who vouches for the issuer, ${width} px`, async () => {
    const cases = [
      { file: "valid/did-key.json", identity: "registry", headline: "Valid", className: "valid",
        says: /Issued by Springfield Public Schools, as Lakeside Consortium of Districts \(version 2026-11\) names this issuer/ },
      { file: "valid/https-controller-document.json", identity: "domain", headline: "Valid", className: "valid",
        says: /Issued by whoever controls credentials\.springfield\.example; this district's trust registry does not list that issuer/ },
      { file: "valid/reference-eddsa-jcs-2022.json", identity: "unconfirmed",
        headline: "Signature intact — issuer not confirmed", className: "unconfirmed",
        says: /nothing confirms who the issuer is: the name “Springfield Public Schools” is the credential's own claim/ },
    ];
    for (const c of cases) {
      const { page, context, errors } = await open({ viewport: { width, height: 900 } });
      await submitFile(page, path.join(vectors, c.file));
      const banner = page.locator(".banner");
      assert.equal(await page.locator("#verdict").getAttribute("data-identity"), c.identity, c.file);
      assert.equal((await verdictOf(page)).text, c.headline, c.file);
      assert.match(await banner.getAttribute("class"), new RegExp(`\\b${c.className}\\b`), c.file);
      const said = await banner.textContent();
      assert.match(said, c.says, c.file);
      if (c.identity === "unconfirmed") {
        assert.doesNotMatch(said, /genuine|Valid/, c.file);
        // Amber, not the valid green.
        const colour = await banner.evaluate((b) => getComputedStyle(b).backgroundColor);
        assert.notEqual(colour, "rgb(20, 99, 47)");
      }
      // The banner is on the first screen, and nothing scrolls sideways (WCAG 1.4.10).
      const box = await banner.boundingBox();
      assert.ok(box && box.y < 900, `${c.file}: the banner is below the first screen`);
      const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.ok(scroll <= inner, `${c.file}: ${scroll} px wide at ${inner} px`);
      // The verdict has the focus, and a way back to an empty form sits beside it.
      assert.equal(await page.evaluate(() => document.activeElement?.id), "verdict", c.file);
      assert.equal(await banner.locator("a", { hasText: "Check another credential" }).getAttribute("href"), "/");
      await page.screenshot({ path: path.join(artifacts, `identity-${c.identity}-${width}.png`), fullPage: true });
      await assertAccessible(browser, page, `identity-${c.identity}-${width}.png`);
      assert.deepEqual(errors, []);
      await context.close();
    }
  });
}

test("unreadable input: a plain-words banner whose code is readable too", async () => {
  const { page, context, errors } = await open();
  await page.fill("#text", "this is not a credential");
  await Promise.all([page.waitForNavigation(), page.click("form.check button[type=submit]")]);
  const { verdict, text } = await verdictOf(page);
  assert.equal(verdict, "unreadable");
  assert.equal(text, "Could not read this input");
  await page.screenshot({ path: path.join(artifacts, "unreadable.png"), fullPage: true });
  await assertAccessible(browser, page, "unreadable.png");
  // The page is answered 422 (the input was not readable), which Chromium logs; nothing else.
  assert.deepEqual(errors.filter((e) => !/status of 422/.test(e)), []);
  await context.close();
});

test("a tampered credential file: not valid, with the reason", async () => {
  const { page, context, errors } = await open();
  await submitFile(page, path.join(vectors, "invalid/tampered-credits.json"));
  const { verdict, text } = await verdictOf(page);
  assert.equal(verdict, "invalid");
  assert.equal(text, "Not valid — altered or not signed by its issuer");
  const row = page.locator("table.checks tr", { hasText: "Signature" });
  assert.match(await row.textContent(), /Failed/);
  assert.match(await row.textContent(), /bad_signature/);
  // A forged credential counts for nothing, whatever issuer it names.
  const body = await page.locator("main").textContent();
  assert.doesNotMatch(body, /CE hours/);
  assert.match(body, /Not applied/);
  await page.screenshot({ path: path.join(artifacts, "tampered.png"), fullPage: true });
  await assertAccessible(browser, page, "tampered.png");
  assert.deepEqual(errors, []);
  await context.close();
});

test("an expired credential: its own words and date, not a forgery's", async () => {
  const { page, context, errors } = await open({ viewport: { width: 390, height: 900 } });
  await submitFile(page, path.join(vectors, "invalid/expired.json"));
  const { verdict, text } = await verdictOf(page);
  assert.equal(verdict, "invalid");
  assert.equal(text, "Expired");
  const said = await page.locator(".banner").textContent();
  assert.match(said, /The signature is intact, but the credential expired on \d{1,2} \w+ \d{4}/);
  assert.doesNotMatch(said, /altered|forged/);
  await page.screenshot({ path: path.join(artifacts, "expired-390.png"), fullPage: true });
  await assertAccessible(browser, page, "expired-390.png");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a pasted JWT and a dropped baked PNG badge", async () => {
  const { page, context, errors } = await open();
  await page.fill("#text", readFileSync(path.join(vectors, "valid/jwt-eddsa-did-key.jwt"), "utf8"));
  await Promise.all([page.waitForNavigation(), page.click("form.check button[type=submit]")]);
  assert.equal((await verdictOf(page)).verdict, "valid");

  // Drag and drop (the script's enhancement): drop the badge onto the drop zone.
  const png = readFileSync(path.join(vectors, "valid/baked-did-key.png")).toString("base64");
  await page.evaluate((b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], "badge.png", { type: "image/png" }));
    document.getElementById("drop").dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, png);
  assert.equal(await page.locator("#picked").textContent(), "Selected: badge.png");
  await Promise.all([page.waitForNavigation(), page.click("form.check button[type=submit]")]);
  assert.equal((await verdictOf(page)).verdict, "valid");
  await page.screenshot({ path: path.join(artifacts, "baked-png.png"), fullPage: true });
  await assertAccessible(browser, page, "baked-png.png");
  assert.deepEqual(errors, []);
  await context.close();
});

test("credential-supplied markup is shown as text, never run", async () => {
  const { page, context, errors } = await open();
  const hostile = JSON.parse(readFileSync(path.join(vectors, "valid/did-key.json"), "utf8"));
  hostile.credentialSubject.achievement.name = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
  // An embedded SVG badge with a script: shown as an image, which runs nothing.
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="window.parent.__pwned=3"><script>window.parent.__pwned=4</script><rect width="10" height="10" fill="#1a5fb4"/></svg>';
  hostile.credentialSubject.achievement.image = { id: `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`, type: "Image" };
  await page.fill("#text", JSON.stringify(hostile));
  await Promise.all([page.waitForNavigation(), page.click("form.check button[type=submit]")]);
  assert.equal((await verdictOf(page)).verdict, "invalid");
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator("main img:not(.credential-badge)").count(), 0);
  assert.equal(await page.locator("main img.credential-badge").count(), 1);
  assert.equal(await page.locator("script").count(), 1, "only /assets/page.js");
  assert.match(await page.locator("main").textContent(), /<img src=x onerror=/);
  assert.deepEqual(errors, []);
  await context.close();
});

test("keyboard only: every control is reachable with Tab", async () => {
  const { page, context } = await open();
  const reached = [];
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press("Tab");
    reached.push(await page.evaluate(() => document.activeElement.id || document.activeElement.tagName.toLowerCase()));
  }
  for (const id of ["file", "text", "url", "button"]) {
    assert.ok(reached.includes(id), `${id} not reached: ${reached.join(", ")}`);
  }
  // Keyboard submission: paste into the text box and press Enter on the focused button.
  await page.fill("#text", readFileSync(path.join(vectors, "invalid/tampered-credits.json"), "utf8"));
  await page.focus("form.check button[type=submit]");
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  assert.equal((await verdictOf(page)).verdict, "invalid");
  await context.close();
});

test("without JavaScript the form still works", async () => {
  const { page, context } = await open({ javaScriptEnabled: false });
  await submitFile(page, path.join(vectors, "valid/baked-jwt-eddsa-did-key.svg"));
  assert.equal((await verdictOf(page)).verdict, "valid");
  await page.screenshot({ path: path.join(artifacts, "no-javascript.png"), fullPage: true });
  await assertAccessible(browser, page, "no-javascript.png");
  await context.close();
});

// The record for the clerk's files (issue 19 item 6), at a desktop and a phone width: when it was
// checked, a reference number, the signed record as JSON — which cairn-verify verifies — and as
// a PDF, and a page that prints without the form.
for (const width of [1280, 390]) {
  test(`a record to file, ${width} px`, async () => {
    const { page, context, errors } = await open({ viewport: { width, height: 900 }, acceptDownloads: true });
    await submitFile(page, path.join(vectors, "valid/did-key.json"));
    const record = page.locator("section.record");
    assert.match(await record.locator("[data-checked-at]").textContent(), /^\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d C[SD]T$/);
    const reference = (await record.locator("[data-reference]").textContent()).trim();
    assert.match(reference, /^CV-[0-9A-F]{4}-[0-9A-F]{4}$/);
    assert.match(await record.textContent(), /Shelbyville School District — Human Resources/);
    const [json] = await Promise.all([page.waitForEvent("download"), page.click("button[value=json]")]);
    assert.equal(json.suggestedFilename(), `verification-record-${reference}.json`);
    const saved = path.join(artifacts, `record-${width}.json`);
    await json.saveAs(saved);
    const said = execFileSync(binary, ["verify", saved], { encoding: "utf8" });
    assert.match(said, /^VALID: urn:uuid:/);
    const signed = JSON.parse(readFileSync(saved, "utf8"));
    assert.equal(signed.credentialSubject.check.referenceNumber, reference);
    assert.equal(signed.credentialSubject.check.verdict, "valid");
    const [pdf] = await Promise.all([page.waitForEvent("download"), page.click("button[value=pdf]")]);
    assert.equal(pdf.suggestedFilename(), `verification-record-${reference}.pdf`);
    const pdfPath = path.join(artifacts, `record-${width}.pdf`);
    await pdf.saveAs(pdfPath);
    assert.equal(readFileSync(pdfPath).subarray(0, 5).toString(), "%PDF-");
    const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(scroll <= inner, `${scroll} px wide at ${inner} px`);
    await page.screenshot({ path: path.join(artifacts, `record-${width}.png`), fullPage: true });
    // The first screen, as README shows it (docs/screenshots/ holds a copy).
    await page.screenshot({ path: path.join(artifacts, `first-screen-record-${width}.png`) });
    await assertAccessible(browser, page, `record-${width}.png`);
    // Printed: the verdict and the record, without the form or the buttons.
    await page.emulateMedia({ media: "print" });
    assert.equal(await page.locator("form.check").isVisible(), false);
    assert.equal(await page.locator("form.record-downloads").isVisible(), false);
    assert.ok(await page.locator("#verdict").isVisible());
    await page.screenshot({ path: path.join(artifacts, `record-print-${width}.png`), fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();
  });
}

// Readable at 320 px (WCAG 1.4.10): no state of the page scrolls sideways.
test("every state at 320 px", async () => {
  for (const [label, file, text] of [
    ["form", null, null],
    ["valid", "valid/did-key.json", null],
    ["tampered", "invalid/tampered-credits.json", null],
    ["expired", "invalid/expired.json", null],
    ["unreadable", null, "this is not a credential"],
  ]) {
    const { page, context } = await open({ viewport: { width: 320, height: 700 } });
    if (file) await submitFile(page, path.join(vectors, file));
    if (text) {
      await page.fill("#text", text);
      await Promise.all([page.waitForNavigation(), page.click("form.check button[type=submit]")]);
    }
    const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(scroll <= inner, `${label}: ${scroll} px wide at ${inner} px`);
    await page.screenshot({ path: path.join(artifacts, `${label}-320.png`), fullPage: true });
    await assertAccessible(browser, page, `${label}-320.png`);
    await context.close();
  }
});

// A printed certificate checked with a phone (issue 19 item 7): the camera field takes a photo of
// the QR code; the server reads the code and checks the credential its link leads to.
test("a photo of a certificate's QR code, 390 px", async () => {
  const { page, context, errors } = await open({ viewport: { width: 390, height: 900 } });
  const camera = page.locator("#photo");
  assert.equal(await camera.getAttribute("capture"), "environment");
  assert.match(await camera.getAttribute("accept"), /image\/\*/);
  assert.equal(await page.locator("label[for=photo]").textContent(), "4. Or take a photo of its QR code");
  await page.setInputFiles("#photo", path.join(vectors, "photos/certificate-qr.png"));
  await Promise.all([page.waitForNavigation(), page.click("form.check button[type=submit]")]);
  assert.equal((await verdictOf(page)).verdict, "valid");
  assert.match(await page.locator("main").textContent(), /Formative Assessment in Practice/);
  await page.screenshot({ path: path.join(artifacts, "qr-photo-390.png"), fullPage: true });
  await assertAccessible(browser, page, "qr-photo-390.png");
  assert.deepEqual(errors, []);
  await context.close();
});
