// Vectors made by the reference JavaScript stack (jsonld.js / rdf-canonize 5, @digitalbazaar/vc
// with eddsa-rdfc-2022), for what Cairn must agree with on input it did not produce:
//   tests/vectors/canonical/control-characters.{json,nq}: every character that canonical N-Quads
//     escapes (RDFC-1.0 §4.3: \b \t \n \f \r \" \\ as ECHAR, the rest of U+0000–U+001F and U+007F
//     as UCHAR), in a credential's text, and its canonical form as the reference writes it;
//   tests/vectors/valid/reference-signed-control-characters.json: a credential with those
//     characters signed by the reference stack (a did:key from a fixed seed);
//   tests/vectors/valid/reference-{ecdsa-rdfc-2019-p256,ecdsa-rdfc-2019-p384,eddsa-jcs-2022,
//     ecdsa-sd-2023-derived}.json: an Open Badge signed by the reference cryptosuites, each by its
//     issuer's own did:key; invalid/reference-ecdsa-sd-2023-{base,tampered}.json: the sd-2023
//     base proof (for the holder, not presentable) and a derived credential changed afterwards.
// Run: cd interop/js && npm ci && node make-vectors.js. The output is deterministic; verify.test.js
// checks the golden files against the reference stack again in CI.
import {readFileSync, writeFileSync} from 'node:fs';
import {join, dirname} from 'node:path';
import {fileURLToPath} from 'node:url';

import jsonld from 'jsonld';
import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as eddsaJcs2022 from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {cryptosuite as ecdsaRdfc2019} from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import * as ecdsaSd2023 from '@digitalbazaar/ecdsa-sd-2023-cryptosuite';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import {documentLoader} from './loader.js';

const here = dirname(fileURLToPath(import.meta.url));
const vectors = join(here, '..', '..', 'tests', 'vectors');

// Every control character, DEL, the quote and the backslash, each between letters.
const controls = [];
for(let c = 0; c <= 0x1f; c++) {
  controls.push(String.fromCharCode(c));
}
controls.push('\u007f', '"', '\\');
const every = 'a' + controls.join('a') + 'a';

const base = JSON.parse(readFileSync(join(vectors, 'valid', 'did-key.json'), 'utf8'));
delete base.proof;

function withControlCharacters(credential) {
  const c = structuredClone(credential);
  c.name = `Formative\tAssessment${every}`;
  c.credentialSubject.achievement.criteria.narrative = 'Step 1:\tplan\fStep 2:\tteach\b';
  c.evidence[0].narrative = `Unit plan\u0007\u001b[0m\r\n${every}`;
  return c;
}

// The canonical form of the unsigned credential, as the reference writes it.
const canonicalDoc = withControlCharacters(base);
const nquads = await jsonld.canonize(canonicalDoc, {
  algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader, safe: true,
});
writeFileSync(join(vectors, 'canonical', 'control-characters.json'),
  JSON.stringify(canonicalDoc, null, 2) + '\n');
writeFileSync(join(vectors, 'canonical', 'control-characters.nq'), nquads);

// A credential signed by the reference stack with a key from a fixed seed.
const seed = new Uint8Array(32).fill(7);
const key = await Ed25519Multikey.generate({seed});
const did = `did:key:${key.publicKeyMultibase}`;
key.id = `${did}#${key.publicKeyMultibase}`;
key.controller = did;
const unsigned = withControlCharacters(base);
unsigned.id = 'urn:uuid:7f3c1a52-0000-4000-8000-0000000000c1';
unsigned.issuer.id = did;
const suite = new DataIntegrityProof({
  signer: key.signer(), cryptosuite: eddsaRdfc2022, date: '2026-01-15T09:00:00Z',
});
const signed = await vc.issue({credential: unsigned, suite, documentLoader});
writeFileSync(join(vectors, 'valid', 'reference-signed-control-characters.json'),
  JSON.stringify(signed, null, 2) + '\n');
// Open Badges signed by the other reference cryptosuites, each by its issuer's own did:key.
function expect(kind, name, codes) {
  const verdict = {valid: 'valid', invalid: 'invalid'}[kind];
  writeFileSync(join(vectors, kind, `${name}.expect.json`),
    JSON.stringify({verdict, codes, now: '2026-06-01T12:00:00Z'}, null, 2) + '\n');
}
function write(kind, name, doc, codes = []) {
  writeFileSync(join(vectors, kind, `${name}.json`), JSON.stringify(doc, null, 2) + '\n');
  expect(kind, name, codes);
}
async function keyed(key) {
  const did = `did:key:${key.publicKeyMultibase}`;
  key.id = `${did}#${key.publicKeyMultibase}`;
  key.controller = did;
  return key;
}
function badge(did, n) {
  const c = structuredClone(base);
  c.id = `urn:uuid:7f3c1a52-0000-4000-8000-0000000000d${n}`;
  c.issuer.id = did;
  return c;
}
const date = '2026-01-15T09:00:00Z';
// Each signed credential, and a copy whose achievement was renamed afterwards (bad_signature).
function writeWithTampered(name, signed) {
  write('valid', name, signed);
  const tampered = structuredClone(signed);
  tampered.credentialSubject.achievement.name = 'Summative Assessment in Practice';
  write('invalid', `${name}-tampered`, tampered, ['bad_signature']);
}
for(const [name, curve, n] of [
  ['reference-ecdsa-rdfc-2019-p256', 'P-256', 1], ['reference-ecdsa-rdfc-2019-p384', 'P-384', 2],
]) {
  const ecKey = await keyed(await EcdsaMultikey.generate({curve}));
  const ecSuite = new DataIntegrityProof({signer: ecKey.signer(), cryptosuite: ecdsaRdfc2019, date});
  writeWithTampered(name, await vc.issue({
    credential: badge(ecKey.controller, n), suite: ecSuite, documentLoader}));
}
const jcsSuite = new DataIntegrityProof({signer: key.signer(), cryptosuite: eddsaJcs2022.createSignCryptosuite(), date});
writeWithTampered('reference-eddsa-jcs-2022', await vc.issue({
  credential: badge(did, 3), suite: jcsSuite, documentLoader}));

// ecdsa-sd-2023: the issuer's base proof (mandatory: what an Open Badge needs), then the
// holder's derived proof revealing the evidence as well, and not the credential's name.
const sdKey = await keyed(await EcdsaMultikey.generate({curve: 'P-256'}));
const sdSign = new DataIntegrityProof({
  signer: sdKey.signer(), date,
  cryptosuite: ecdsaSd2023.createSignCryptosuite({
    mandatoryPointers: ['/issuer', '/validFrom', '/credentialSubject'],
  }),
});
const sdBase = await vc.issue({credential: badge(sdKey.controller, 4), suite: sdSign, documentLoader});
write('invalid', 'reference-ecdsa-sd-2023-base', sdBase, ['sd_base_proof']);
const sdDisclose = new DataIntegrityProof({
  cryptosuite: ecdsaSd2023.createDiscloseCryptosuite({selectivePointers: ['/evidence']}),
});
const derived = await vc.derive({verifiableCredential: sdBase, suite: sdDisclose, documentLoader});
const sdVerify = new DataIntegrityProof({cryptosuite: ecdsaSd2023.createVerifyCryptosuite()});
const checked = await vc.verifyCredential({
  credential: derived, suite: sdVerify, documentLoader, now: new Date('2026-06-01T12:00:00Z'),
});
if(!checked.verified) {
  throw new Error(`the reference stack refuses its own derived credential: ${JSON.stringify(checked)}`);
}
write('valid', 'reference-ecdsa-sd-2023-derived', derived);
const tampered = structuredClone(derived);
tampered.evidence[0].narrative = 'Unit plan (revised)';
write('invalid', 'reference-ecdsa-sd-2023-tampered', tampered, ['bad_signature']);
console.log('wrote the canonical control-character files and the reference-* vectors');
