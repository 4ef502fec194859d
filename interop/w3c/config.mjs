// Writes a suite's localConfig.cjs (see ../shared/w3c-suites/README.md): one implementation,
// Cairn, with its issuer and verifier on loopback and every tag Cairn supports. Inputs come from
// the environment: ISSUER_ID (the did:key the issuer signs with), ISSUER_URL, VERIFIER_URL.
const {ISSUER_ID, ISSUER_URL, VERIFIER_URL} = process.env;
if(!ISSUER_ID || !ISSUER_URL || !VERIFIER_URL) {
  throw new Error('ISSUER_ID, ISSUER_URL and VERIFIER_URL are required');
}
// vc2.0: VC Data Model 2.0; eddsa-rdfc-2022: Data Integrity EdDSA; BitstringStatusList; vc-api:
// the VC-API issuer and verifier suites. The verifier also reads eddsa-jcs-2022, which the
// issuer does not sign with: that tag is claimed for the verifier only.
const tags = ['vc2.0', 'eddsa-rdfc-2022', 'BitstringStatusList', 'vc-api'];
const verifierTags = [...tags, 'eddsa-jcs-2022'];
const config = {
  settings: {enableInteropTests: false, testAllImplementations: false},
  implementations: [{
    name: 'Cairn',
    implementation: 'Cairn',
    issuers: [{
      id: ISSUER_ID,
      endpoint: `${ISSUER_URL}/credentials/issue`,
      tags,
      supports: {vc: ['1.1', '2.0']},
    }],
    verifiers: [{
      id: 'urn:cairn:verifier',
      endpoint: `${VERIFIER_URL}/credentials/verify`,
      tags: verifierTags,
      supports: {vc: ['1.1', '2.0']},
    }],
    vpVerifiers: [{
      id: 'urn:cairn:vp-verifier',
      endpoint: `${VERIFIER_URL}/presentations/verify`,
      tags,
      supports: {vc: ['1.1', '2.0']},
    }],
  }],
};
process.stdout.write(`module.exports = ${JSON.stringify(config, null, 2)};\n`);
