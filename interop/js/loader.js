// The offline document loader the reference-stack checks and benchmark share: contexts from
// ../shared/spec (the official files), did:key documents derived from the key itself. Nothing is
// fetched from the network.
import {readFileSync} from 'node:fs';
import {join, dirname} from 'node:path';
import {fileURLToPath} from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const shared = join(here, '..', '..', '..', 'shared', 'spec');

const contexts = {
  'https://www.w3.org/ns/credentials/v2': 'contexts/credentials-v2.jsonld',
  'https://www.w3.org/ns/credentials/examples/v2': 'contexts/credentials-examples-v2.jsonld',
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

export async function documentLoader(url) {
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

