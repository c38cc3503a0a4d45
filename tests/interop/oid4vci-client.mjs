// Receives credentials from an OpenID4VCI issuer with the OpenWallet Foundation's
// @openid4vc/openid4vci client (a library we did not write), as a wallet would.
//
//   node oid4vci-client.mjs [--holder-key FILE] 'openid-credential-offer://?...' [TX_CODE]
//
// The library does the protocol: it resolves the offer, reads the issuer and authorization
// server metadata, redeems the pre-authorized code, asks the nonce endpoint for a c_nonce,
// builds the key proof JWT and the credential request, and parses the response. This script
// only supplies what a wallet supplies: a holder key (Ed25519, Node's crypto), signing, hashing
// and randomness callbacks, and fetch.
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
import {createHash, generateKeyPairSync, randomBytes, sign} from 'node:crypto';
import {parseArgs} from 'node:util';

import {clientAuthenticationAnonymous} from '@openid4vc/oauth2';
import {Openid4vciClient, setGlobalConfig} from '@openid4vc/openid4vci';

import {loadHolderKey} from './holder-key.mjs';

const {values: options, positionals: [offerUri, txCode]} = parseArgs({
  options: {'holder-key': {type: 'string'}},
  allowPositionals: true,
});
if(!offerUri) {
  console.error('usage: node oid4vci-client.mjs [--holder-key FILE] OFFER_URI [TX_CODE]');
  process.exit(2);
}

// The issuer under test runs on http://127.0.0.1 (a development node, no TLS); the library
// refuses non-https URLs unless told otherwise.
setGlobalConfig({allowInsecureUrls: true});

const b64url = data => Buffer.from(data).toString('base64url');

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
  const {publicKey, privateKey} = generateKeyPairSync('ed25519');
  const publicJwk = publicKey.export({format: 'jwk'});
  const did = `did:jwk:${b64url(JSON.stringify(publicJwk))}`;
  return {
    did,
    publicJwk,
    sign: data => sign(null, Buffer.from(data), privateKey),
    signers: [
      {method: 'did', didUrl: `${did}#0`, alg: 'EdDSA'},
      {method: 'jwk', publicJwk, alg: 'EdDSA'},
    ],
  };
}

const {did: holderDid, publicJwk, sign: holderSign, signers} = await holder();

const callbacks = {
  fetch,
  hash: (data, alg) => createHash(alg.replace('-', '')).update(data).digest(),
  generateRandom: size => randomBytes(size),
  clientAuthentication: clientAuthenticationAnonymous(),
  signJwt: async (signer, {header, payload}) => {
    if(signer.alg !== 'EdDSA') {
      throw new Error(`this wallet signs with EdDSA only, not ${signer.alg}`);
    }
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    const signature = holderSign(input);
    return {jwt: `${input}.${b64url(signature)}`, signerJwk: publicJwk};
  },
  verifyJwt: async () => {
    throw new Error('this wallet verifies no JWTs in the pre-authorized flow');
  },
  encryptJwe: async () => {
    throw new Error('this wallet does not encrypt');
  },
  decryptJwe: async () => {
    throw new Error('this wallet does not decrypt');
  },
};

const client = new Openid4vciClient({callbacks});
const credentialOffer = await client.resolveCredentialOffer(offerUri);
const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
const {accessTokenResponse} = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
  credentialOffer,
  issuerMetadata,
  txCode,
});

const credentials = {};
const notified = [];
for(const [index, credentialConfigurationId] of
  credentialOffer.credential_configuration_ids.entries()) {
  const signer = signers[index % signers.length];
  const {c_nonce: nonce} = await client.requestNonce({issuerMetadata});
  const {jwt} = await client.createCredentialRequestJwtProof({
    issuerMetadata,
    credentialConfigurationId,
    signer,
    nonce,
  });
  const {credentialResponse} = await client.retrieveCredentials({
    issuerMetadata,
    accessToken: accessTokenResponse.access_token,
    credentialConfigurationId,
    proofs: {jwt: [jwt]},
  });
  const [{credential}] = credentialResponse.credentials;
  credentials[credentialConfigurationId] = {binding: signer.method, credential};
  if(credentialResponse.notification_id) {
    await client.sendNotification({
      issuerMetadata,
      accessToken: accessTokenResponse.access_token,
      notification: {
        notificationId: credentialResponse.notification_id,
        event: 'credential_accepted',
      },
    });
    notified.push(credentialConfigurationId);
  }
}

process.stdout.write(JSON.stringify({holder: {did: holderDid, publicJwk}, credentials, notified}) + '\n');
