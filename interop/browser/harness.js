// What the browser tests share: the repository's paths, starting a Cairn server on a free
// loopback port (its address read from the "listening on" line), and Debian's Chromium launched
// by playwright-core with nothing that reaches the network.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, "../..");
export const vectors = path.join(root, "tests/vectors");
export const artifacts = process.env.CAIRN_BROWSER_ARTIFACTS ?? path.join(root, "target/browser");

/// Starts `binary args…`; resolves to { server, base } once it listens.
export async function startServer(binary, args) {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: build it with cargo first`);
  mkdirSync(artifacts, { recursive: true });
  const server = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
  const base = await new Promise((resolve, reject) => {
    let seen = "";
    server.stderr.on("data", (chunk) => {
      seen += chunk;
      // The whole line: a chunk can end inside the port number.
      const m = seen.match(/listening on (http:\/\/[0-9.:]+)\r?\n/);
      if (m) resolve(m[1]);
    });
    server.on("exit", (code) => reject(new Error(`${path.basename(binary)} exited (${code}): ${seen}`)));
  });
  return { server, base };
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
      "--disable-background-networking", "--disable-component-update",
      "--disable-default-apps", "--disable-sync", "--no-first-run",
    ],
  });
}

const axeSource = readFileSync(path.join(here, "node_modules/axe-core/axe.min.js"), "utf8");

/// axe-core's WCAG 2.1 A/AA rules on the page as it is now; fails on any critical or serious
/// violation. The page's CSP forbids injected scripts, so axe runs on a copy of the page's markup,
/// put into the same origin's page in a context that bypasses CSP (so the same stylesheet
/// applies, and colour contrast is judged as people see it).
export async function assertAccessible(browser, page, label) {
  const html = await page.evaluate(() => ({
    markup: document.documentElement.innerHTML,
    attributes: [...document.documentElement.attributes].map((a) => [a.name, a.value]),
  }));
  const context = await browser.newContext({ bypassCSP: true, viewport: page.viewportSize() });
  const copy = await context.newPage();
  await copy.goto(new URL("/", page.url()).href);
  await copy.evaluate(({ markup, attributes }) => {
    for (const [name, value] of attributes) document.documentElement.setAttribute(name, value);
    document.documentElement.innerHTML = markup;
  }, html);
  await copy.waitForLoadState("load");
  await copy.addScriptTag({ content: axeSource });
  const result = await copy.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }));
  await context.close();
  const bad = result.violations.filter((v) => v.impact === "critical" || v.impact === "serious");
  assert.deepEqual(
    bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    [],
    `${label}: axe-core found critical or serious violations`,
  );
}

/// An SMTP sink on loopback: accepts every message and pushes its data onto `mails` (what a
/// district's relay would receive and deliver).
export function smtpSink(mails) {
  return new Promise((resolve) => {
    const sink = createServer((socket) => {
      let buffer = "";
      let data = null;
      socket.write("220 sink.local ESMTP\r\n");
      socket.on("data", (chunk) => {
        buffer += chunk.toString("utf8");
        let end;
        while ((end = buffer.indexOf("\r\n")) >= 0) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (data !== null) {
            if (line === ".") {
              mails.push(data.join("\n"));
              data = null;
              socket.write("250 queued\r\n");
            } else {
              data.push(line);
            }
          } else if (/^(EHLO|HELO)/i.test(line)) {
            socket.write("250-sink.local\r\n250 8BITMIME\r\n");
          } else if (/^DATA/i.test(line)) {
            data = [];
            socket.write("354 go ahead\r\n");
          } else if (/^QUIT/i.test(line)) {
            socket.end("221 bye\r\n");
          } else {
            socket.write("250 ok\r\n");
          }
        }
      });
    });
    sink.listen(0, "127.0.0.1", () => resolve(sink));
  });
}
