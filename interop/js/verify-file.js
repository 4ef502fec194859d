// Verifies one credential file with the reference JavaScript stack (@digitalbazaar/vc,
// eddsa-rdfc-2022, and vc-bitstring-status-list for its status entries; contexts and did:key
// offline, as verify.test.js, and each status list from a file given with --doc URL=FILE): exit 0
// when it verifies and no status bit is set. The browser tests call it on credentials the
// console issued.
//
// Run: node verify-file.js CREDENTIAL.json [--doc URL=FILE]...
import {readFileSync} from 'node:fs';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {documentLoader as offline} from './loader.js';

const [file, ...rest] = process.argv.slice(2);
const docs = {};
for(let i = 0; i < rest.length; i += 2) {
  if(rest[i] !== '--doc' || !rest[i + 1]?.includes('=')) {
    console.error('usage: node verify-file.js CREDENTIAL.json [--doc URL=FILE]...');
    process.exit(2);
  }
  const at = rest[i + 1].indexOf('=');
  docs[rest[i + 1].slice(0, at)] = rest[i + 1].slice(at + 1);
}
async function documentLoader(url) {
  if(docs[url]) {
    const document = JSON.parse(readFileSync(docs[url], 'utf8'));
    return {contextUrl: null, documentUrl: url, document};
  }
  return offline(url);
}

const credential = JSON.parse(readFileSync(file, 'utf8'));
const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
const result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus});
if(!result.verified) {
  console.error(JSON.stringify(result.error?.errors?.map(e => e.message) ?? result, null, 2));
  process.exit(1);
}
const set = (result.statusResult?.results ?? []).filter(r => r.status !== false);
if(set.length > 0) {
  console.error(`status set: ${JSON.stringify(set.map(r => r.credentialStatus))}`);
  process.exit(1);
}
console.log(`verified by the reference JavaScript stack (${result.statusResult?.results?.length ?? 0} status entries clear)`);
