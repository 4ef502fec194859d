// Reads each suite's mocha JSON report and prints its passes. A failing test is excused only when
// not-applicable.json lists it under its suite, and a pending (skipped) one only when it is listed
// under "pending", each with its reason. Ends with the plain line "N passed, M failed" over all
// suites and exits 1 when anything is not excused, or when a listed test no longer fails.
//   node summary.mjs REPORT_DIR NOT_APPLICABLE_JSON SUITE…
import {readFileSync, existsSync} from 'node:fs';
import {join} from 'node:path';

const [reportDir, listFile, ...suites] = process.argv.slice(2);
const listed = JSON.parse(readFileSync(listFile, 'utf8'));
let passed = 0;
let failed = 0;
let problems = 0;
for(const suite of suites) {
  const file = join(reportDir, `${suite}.json`);
  if(!existsSync(file)) {
    console.log(`${suite}: no report (see ${join(reportDir, suite + '.log')})`);
    problems++;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const failList = listed[suite] ?? {};
  const pendList = listed.pending?.[suite] ?? {};
  const failures = report.failures.map(f => f.fullTitle);
  const pending = report.pending.map(p => p.fullTitle);
  const real = report.failures.filter(f => !failList[f.fullTitle]);
  const unlisted = pending.filter(t => !pendList[t]);
  const stale = [
    ...Object.keys(failList).filter(t => !failures.includes(t)),
    ...Object.keys(pendList).filter(t => !pending.includes(t)),
  ];
  const {tests, passes} = report.stats;
  passed += passes;
  failed += real.length;
  problems += real.length + unlisted.length + stale.length;
  console.log(`${suite}: ${passes} of ${tests} passed; ` +
    `${failures.length - real.length} failed and ${pending.length - unlisted.length} skipped ` +
    `by the suite, each listed as not applicable with its reason; ` +
    `${real.length} failed and ${unlisted.length} skipped otherwise`);
  for(const f of real) {
    console.log(`  FAILED ${f.fullTitle}\n    ${(f.err?.message ?? '').split('\n')[0]}`);
  }
  for(const t of unlisted) {
    console.log(`  SKIPPED and not listed: ${t}`);
  }
  for(const t of stale) {
    console.log(`  listed as not applicable but no longer fails or skips (remove it): ${t}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(problems > 0 ? 1 : 0);
