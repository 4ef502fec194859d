// What both browser tests share: the repository's paths, starting a Cairn server on a free
// loopback port (its address read from the "listening on" line), and Debian's Chromium launched
// by playwright-core with nothing that reaches the network.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
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
