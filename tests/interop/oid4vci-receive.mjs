// A wallet's side of the OpenID4VCI pre-authorized code flow on the OpenWallet Foundation's
// @openid4vc/openid4vci client (a library we did not write), as a module: oid4vci-client.mjs
// receives one offer with it, bench/oid4vci-load.mjs drives many flows at once with it.
// The library does the protocol; this module supplies what a wallet supplies: a holder key
// (Ed25519, Node's crypto), signing, hashing and randomness callbacks, and fetch.
import {createHash, generateKeyPairSync, randomBytes, sign} from 'node:crypto';

import {clientAuthenticationAnonymous} from '@openid4vc/oauth2';
import {Openid4vciClient, setGlobalConfig} from '@openid4vc/openid4vci';

// The issuers under test run on http://127.0.0.1 (development nodes, no TLS); the library
// refuses non-https URLs unless told otherwise.
setGlobalConfig({allowInsecureUrls: true});

const b64url = data => Buffer.from(data).toString('base64url');

// A fresh Ed25519 holder key, named by a did:jwk DID URL or by the bare public key.
export function freshHolder() {
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

// The library's client for one holder; `fetchImpl` lets a driver time each request.
export function clientFor({publicJwk, sign: holderSign}, fetchImpl = fetch) {
  const callbacks = {
    fetch: fetchImpl,
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
  return new Openid4vciClient({callbacks});
}

// Receives an offer: every offered configuration (or those `pick(id)` accepts) with the one
// access token, signers taken in turn, notifying the issuer of each credential.
// Returns {credentials: {<configuration id>: {binding, credential}}, notified: [...]}.
export async function receive(client, signers, offerUri, {txCode, pick = () => true} = {}) {
  const credentialOffer = await client.resolveCredentialOffer(offerUri);
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  const {accessTokenResponse} = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer,
    issuerMetadata,
    txCode,
  });
  const credentials = {};
  const notified = [];
  const wanted = credentialOffer.credential_configuration_ids.filter(pick);
  if(wanted.length === 0) {
    throw new Error('the offer offers none of the configurations asked for');
  }
  for(const [index, credentialConfigurationId] of wanted.entries()) {
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
  return {credentials, notified};
}
