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

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const shared = join(root, '..', 'shared', 'spec');
const vectors = join(root, 'tests', 'vectors');

const contexts = {
  'https://www.w3.org/ns/credentials/v2': 'contexts/credentials-v2.jsonld',
  'https://www.w3.org/2018/credentials/v1': 'contexts/credentials-v1.jsonld',
  'https://w3id.org/security/data-integrity/v2': 'contexts/data-integrity-v2.jsonld',
  'https://w3id.org/security/multikey/v1': 'contexts/multikey-v1.jsonld',
  'https://www.w3.org/ns/did/v1': 'contexts/did-v1.jsonld',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'context-3.0.3.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context.json': 'context.json',
};

function didKeyDocument(did) {
  const key = did.slice('did:key:'.length);
  const vm = `${did}#${key}`;
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did,
    verificationMethod: [{id: vm, type: 'Multikey', controller: did, publicKeyMultibase: key}],
    assertionMethod: [vm],
    authentication: [vm],
  };
}

async function documentLoader(url) {
  if(contexts[url]) {
    const document = JSON.parse(readFileSync(join(shared, contexts[url]), 'utf8'));
    return {contextUrl: null, documentUrl: url, document};
  }
  if(url.startsWith('did:key:')) {
    const [did, fragment] = url.split('#');
    const doc = didKeyDocument(did);
    const document = fragment ?
      {'@context': 'https://w3id.org/security/multikey/v1', ...doc.verificationMethod[0]} :
      doc;
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(`document not available offline: ${url}`);
}

async function verify(file) {
  const credential = JSON.parse(readFileSync(join(vectors, file), 'utf8'));
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  return vc.verifyCredential({
    credential, suite, documentLoader, now: new Date('2026-06-01T12:00:00Z'),
  });
}

const valid = ['valid/did-key.json', 'valid/vc11-era.json', 'valid/with-endorsement.json'];
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
