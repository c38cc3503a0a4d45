// Receives credentials from an OpenID4VCI issuer with the OpenWallet Foundation's
// @openid4vc/openid4vci client (a library we did not write), as a wallet would.
//
//   node oid4vci-client.mjs [--holder-key FILE] 'openid-credential-offer://?...' [TX_CODE]
//
// The library does the protocol: it resolves the offer, reads the issuer and authorization
// server metadata, redeems the pre-authorized code, asks the nonce endpoint for a c_nonce,
// builds the key proof JWT and the credential request, and parses the response. This script
// only supplies the holder key (oid4vci-receive.mjs holds the wallet side it shares with
// bench/oid4vci-load.mjs).
//
// Every offered configuration is fetched with the one access token. By default the script makes
// a fresh key and configurations alternate between the two ways a proof can name the holder
// key: a did:jwk DID URL as `kid`, and the bare public key as `jwk`. With --holder-key FILE,
// the key is the independent holder's (holder-key.mjs; made in FILE if FILE does not exist)
// and every proof names its did:key DID URL, so the credentials are bound to the did:key the
// OpenID4VP wallet (oid4vp-wallet.mjs) presents them with. Prints one JSON object:
//   {"holder": {"did", "publicJwk"}, "credentials": {<configuration id>: {"binding", "credential"}},
//    "notified": [<configuration id>...]}
// and exits non-zero (with the library's error on stderr) if any step fails.
import {parseArgs} from 'node:util';

import {loadHolderKey} from './holder-key.mjs';
import {clientFor, freshHolder, receive} from './oid4vci-receive.mjs';

const {values: options, positionals: [offerUri, txCode]} = parseArgs({
  options: {'holder-key': {type: 'string'}},
  allowPositionals: true,
});
if(!offerUri) {
  console.error('usage: node oid4vci-client.mjs [--holder-key FILE] OFFER_URI [TX_CODE]');
  process.exit(2);
}

async function holder() {
  if(options['holder-key']) {
    const shared = await loadHolderKey(options['holder-key'], {create: true});
    return {
      did: shared.did,
      publicJwk: shared.publicJwk,
      sign: shared.sign,
      signers: [{method: 'did', didUrl: shared.kid, alg: 'EdDSA'}],
    };
  }
  return freshHolder();
}

const wallet = await holder();
const {credentials, notified} = await receive(clientFor(wallet), wallet.signers, offerUri, {txCode});
process.stdout.write(JSON.stringify({
  holder: {did: wallet.did, publicJwk: wallet.publicJwk}, credentials, notified,
}) + '\n');
