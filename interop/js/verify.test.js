// Cairn's credentials checked by the reference JavaScript stack (@digitalbazaar/vc with the
// eddsa-rdfc-2022 cryptosuite). Contexts come from ../shared/spec (the official files); did:key
// documents are derived from the key itself. Nothing is fetched from the network.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync, readdirSync} from 'node:fs';
import {join, dirname} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {documentLoader} from './loader.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const vectors = join(root, 'tests', 'vectors');

async function verify(file) {
  const credential = JSON.parse(readFileSync(join(vectors, file), 'utf8'));
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  return vc.verifyCredential({
    credential, suite, documentLoader, now: new Date('2026-06-01T12:00:00Z'),
  });
}

const valid = [
  'valid/did-key.json', 'valid/vc11-era.json', 'valid/with-endorsement.json',
  // Text with every character canonical N-Quads escapes: Cairn's signature, and the reference's own.
  'valid/control-characters.json', 'valid/reference-signed-control-characters.json',
  // A plain VC 2.0 credential carries its one proof as an object.
  'valid/generic-vc2.json',
];
const invalid = readdirSync(join(vectors, 'invalid'))
  .filter(f => /^tampered-|^signed-by-another-key/.test(f) && !f.includes('.expect.'))
  .map(f => `invalid/${f}`);

for(const file of valid) {
  test(`reference stack verifies ${file}`, async () => {
    const result = await verify(file);
    assert.equal(result.verified, true, JSON.stringify(result.error ?? result, null, 2));
  });
}

test('there are tampered vectors to refuse', () => assert.ok(invalid.length >= 5));
for(const file of invalid) {
  test(`reference stack refuses ${file}`, async () => {
    const result = await verify(file);
    assert.equal(result.verified, false);
  });
}

// Cairn's BitstringStatusListCredentials are VCs too: the reference stack verifies the signed
// lists and refuses the one whose encodedList was changed after signing.
for(const file of ['docs/status-revocation-clear.json', 'docs/status-suspension-set.json']) {
  test(`reference stack verifies the status list ${file}`, async () => {
    const result = await verify(file);
    assert.equal(result.verified, true, JSON.stringify(result.error ?? result, null, 2));
  });
}
test('reference stack refuses the tampered status list', async () => {
  const result = await verify('docs/status-revocation-tampered.json');
  assert.equal(result.verified, false);
});

// The canonical N-Quads golden files that the Rust tests also check.
import jsonld from 'jsonld';
const canonicalDir = join(vectors, 'canonical');
const canonicalFiles = readdirSync(canonicalDir).filter(f => f.endsWith('.json'));
test('there are canonical golden files', () => assert.ok(canonicalFiles.length >= 3));
for(const file of canonicalFiles) {
  test(`reference canonical form of ${file}`, async () => {
    const doc = JSON.parse(readFileSync(join(canonicalDir, file), 'utf8'));
    const nquads = await jsonld.canonize(doc, {
      algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader, safe: true,
    });
    assert.equal(nquads, readFileSync(join(canonicalDir, file.replace(/\.json$/, '.nq')), 'utf8'));
  });
}
