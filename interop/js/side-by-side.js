// One run, side by side: Cairn's eddsa-rdfc-2022 sign and verify (criterion; the fast path and
// the general path it is proven against) and the reference JavaScript stack (bench.js) on the
// same credential and key, with the ratios. Run from the repository root after `cd interop/js && npm ci`:
//
//   node interop/js/side-by-side.js
import {execFileSync} from 'node:child_process';
import {join, dirname} from 'node:path';
import {fileURLToPath} from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

// criterion's bencher format: "test eddsa-rdfc-2022/sign ... bench:   3620000 ns/iter (+/- …)".
const out = execFileSync('cargo', [
  'bench', '-q', '-p', 'cairn-verifier', '--bench', 'data_integrity', '--', '--output-format', 'bencher',
], {cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']});
const cairn = {};
for(const m of out.matchAll(/test eddsa-rdfc-2022\/(\w+) \.\.\. bench:\s+([\d,]+) ns\/iter/g)) {
  cairn[m[1]] = 1e9 / Number(m[2].replace(/,/g, ''));
}
const reference = JSON.parse(execFileSync('node', [join(here, 'bench.js'), '10'], {encoding: 'utf8'}));
const rows = [];
for(const op of ['sign', 'verify']) {
  for(const path of ['fast', 'general']) {
    const ours = cairn[`${path}_${op}`];
    rows.push({
      op: `${op} (Cairn ${path} path)`,
      cairn: Math.round(ours),
      reference: Math.round(reference.per_second[op]),
      ratio: Math.round(ours / reference.per_second[op] * 100) / 100,
    });
  }
}
// Verification from bytes (JSON parsing included), one at a time and 64 to a batch (the batch
// endpoint and presentations check their signatures in one batch equation).
for(const [op, ours] of [
  ['verify from bytes (Cairn fast path)', cairn.fast_verify_bytes],
  ['verify from bytes, 64 per batch (Cairn fast path)', cairn.fast_verify_batch64 * 64],
]) {
  rows.push({
    op,
    cairn: Math.round(ours),
    reference: Math.round(reference.per_second.verify),
    ratio: Math.round(ours / reference.per_second.verify * 100) / 100,
  });
}
console.log('| operation | Cairn (per second, one core) | reference JS stack | ratio |');
console.log('|---|---|---|---|');
for(const r of rows) console.log(`| ${r.op} | ${r.cairn} | ${r.reference} | ${r.ratio}× |`);
