// The reference JavaScript stack's speed on Cairn's representative credential, for the side by
// side in BENCHMARKS.md: eddsa-rdfc-2022 sign and verify per second on one core, the same
// credential (tests/vectors/valid/did-key.json) and key (keys.example/key-1) the Rust benches use.
//
// Run: cd interop/js && npm ci && node bench.js [seconds per benchmark, default 10]
import {readFileSync} from 'node:fs';
import {createPrivateKey} from 'node:crypto';
import {join, dirname} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {documentLoader} from './loader.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const seconds = Number(process.argv[2] ?? 10);
const now = new Date('2026-06-01T12:00:00Z');

const signed = JSON.parse(readFileSync(join(root, 'tests/vectors/valid/did-key.json'), 'utf8'));
const {proof, ...unsigned} = signed;

// keys.example/key-1 (TEST-ONLY) as a Multikey with its did:key id.
const jwk = createPrivateKey(readFileSync(join(root, 'keys.example/key-1.ed25519.pem'))).export({format: 'jwk'});
const publicKey = (await Ed25519Multikey.fromJwk({jwk})).publicKeyMultibase;
const did = `did:key:${publicKey}`;
const keyPair = await Ed25519Multikey.fromJwk({jwk, secretKey: true, id: `${did}#${publicKey}`, controller: did});

async function sign() {
  const suite = new DataIntegrityProof({signer: keyPair.signer(), cryptosuite: eddsaRdfc2022});
  return vc.issue({credential: structuredClone(unsigned), suite, documentLoader});
}

async function verify(credential) {
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const result = await vc.verifyCredential({credential, suite, documentLoader, now});
  if(!result.verified) throw new Error(JSON.stringify(result.error ?? result));
}

/// Runs `op` for `seconds` after a warm-up; returns operations per second.
async function rate(op) {
  for(let i = 0; i < 20; i++) await op();
  const start = process.hrtime.bigint();
  const limit = BigInt(Math.round(seconds * 1e9));
  let n = 0;
  while(process.hrtime.bigint() - start < limit) {
    await op();
    n++;
  }
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

const issued = await sign();
await verify(issued); // Our own signature check of the reference stack's output.
await verify(signed); // …and of Cairn's.
const results = {
  sign: await rate(sign),
  verify: await rate(() => verify(signed)),
};
console.log(JSON.stringify({
  stack: '@digitalbazaar/vc 7.3.0 + eddsa-rdfc-2022-cryptosuite 1.3.0',
  node: process.version,
  credential: 'tests/vectors/valid/did-key.json',
  per_second: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.round(v * 10) / 10])),
  ms_per_op: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.round(1000 / v * 100) / 100])),
}, null, 2));
