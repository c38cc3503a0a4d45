// An OpenID4VCI 1.0 credential issuer (pre-authorized code flow) built on the OpenWallet
// Foundation's @openid4vc/openid4vci and @openid4vc/oauth2 libraries, which we did not write.
// credstack's wallet receives from it in tests/interop/test_wallet_receives_from_openid4vc_issuer.py.
//
//   node oid4vci-issuer.mjs
//
// The libraries do the protocol: issuer and authorization server metadata, the credential
// offer, parsing and verifying the token request (pre-authorized code, tx_code), the JWT
// access token and its check at the credential endpoint, the nonce response, parsing the
// credential request, verifying the key proof (typ, alg, signature, aud, nonce, iat) and the
// credential response. This script supplies what an issuer supplies: an HTTP server
// (node:http), keys (Ed25519, Node's crypto), JWT signing and verification callbacks (jose),
// resolving the wallet's did:key, and the credential itself: an Open Badges 3.0
// OpenBadgeCredential as a VC-JWT (jwt_vc_json) from a did:jwk issuer, or as JSON-LD with an
// Ed25519Signature2020 proof (ldp_vc, Digital Bazaar's @digitalbazaar/vc) from a did:key
// issuer, bound to the DID the key proof names. All state is in memory.
//
// It listens on 127.0.0.1 (a free port), makes two jwt_vc_json offers (one with a
// transaction code) and prints one JSON line:
// {"issuer", "issuer_did", "offers": {"plain", "pin"}, "tx_code"}. It serves until killed.
// `POST /offers?configuration=ID&count=N` makes N more offers of one configuration, without
// a transaction code, and answers {"offers": [link...]} (bench/issuance_vs_peer.py's set-up).
import {createHash, generateKeyPairSync, randomBytes, randomUUID} from 'node:crypto';
import {createServer} from 'node:http';

import {
  Oauth2AuthorizationServer,
  Oauth2ResourceServer,
  Oauth2ServerErrorResponseError,
  Oauth2ResourceUnauthorizedError,
  clientAuthenticationNone,
  decodeJwt,
  preAuthorizedCodeGrantIdentifier,
} from '@openid4vc/oauth2';
import {Openid4vciIssuer, Openid4vciVersion, setGlobalConfig} from '@openid4vc/openid4vci';
import * as vc from '@digitalbazaar/vc';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {SignJWT, compactVerify, importJWK} from 'jose';

import {documentLoader} from './document-loader.mjs';
import {freshDidKeyHolder} from './holder-key.mjs';

// A development run on loopback without TLS: the libraries refuse http URLs unless told.
setGlobalConfig({allowInsecureUrls: true});

const CONFIGURATION_ID = 'OpenBadgeCredential_jwt_vc_json';
const LDP_CONFIGURATION_ID = 'OpenBadgeCredential_ldp_vc';
const VCDM_1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';
const OB_3_0_0_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context.json';
const ED25519_2020_CONTEXT = 'https://w3id.org/security/suites/ed25519-2020/v1';
const TX_CODE = '493536';
const b64url = data => Buffer.from(data).toString('base64url');

function newKey() {
  const {publicKey, privateKey} = generateKeyPairSync('ed25519');
  return {publicJwk: publicKey.export({format: 'jwk'}), privateKey};
}

const issuerKey = newKey();
const issuerDid = `did:jwk:${b64url(JSON.stringify(issuerKey.publicJwk))}`;
const issuerKid = `${issuerDid}#0`;
const tokenKey = {...newKey(), kid: 'access-token-key'};
// The ldp_vc issuer names itself with a did:key, which Digital Bazaar's verifiers resolve
// offline.
const ldpIssuer = await freshDidKeyHolder();
const ldpSuite = new Ed25519Signature2020({
  signer: {id: ldpIssuer.kid, algorithm: 'Ed25519', sign: async ({data}) => ldpIssuer.sign(data)},
});

// --- what the libraries call back into ---------------------------------------------------

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base58btc(text) {
  let value = 0n;
  for(const char of text) {
    const digit = BASE58.indexOf(char);
    if(digit < 0) {
      throw new Error('not base58btc');
    }
    value = value * 58n + BigInt(digit);
  }
  const bytes = [];
  for(; value > 0n; value >>= 8n) {
    bytes.unshift(Number(value & 0xffn));
  }
  const zeros = text.length - text.replace(/^1+/, '').length;
  return Buffer.from([...new Array(zeros).fill(0), ...bytes]);
}

// The wallet names its key with a did:key (Ed25519: multicodec 0xed 0x01 + 32 bytes).
function didKeyJwk(didUrl) {
  const did = didUrl.split('#')[0];
  if(!did.startsWith('did:key:z')) {
    throw new Error(`cannot resolve ${did}: only Ed25519 did:key`);
  }
  const bytes = base58btc(did.slice('did:key:z'.length));
  if(bytes.length !== 34 || bytes[0] !== 0xed || bytes[1] !== 0x01) {
    throw new Error(`${did} is not an Ed25519 did:key`);
  }
  return {kty: 'OKP', crv: 'Ed25519', x: b64url(bytes.subarray(2))};
}

function signerJwk(signer) {
  if(signer.method === 'jwk') {
    return signer.publicJwk;
  }
  if(signer.method === 'did') {
    return didKeyJwk(signer.didUrl);
  }
  throw new Error(`unsupported signer ${signer.method}`);
}

const callbacks = {
  fetch,
  hash: (data, alg) => createHash(alg.replace('-', '').toLowerCase()).update(data).digest(),
  generateRandom: size => randomBytes(size),
  clientAuthentication: clientAuthenticationNone(),
  signJwt: async (signer, {header, payload}) => {
    if(signer.method !== 'jwk' || signer.publicJwk.x !== tokenKey.publicJwk.x) {
      throw new Error('this issuer signs access tokens with its token key only');
    }
    const jwt = await new SignJWT(payload).setProtectedHeader(header).sign(tokenKey.privateKey);
    return {jwt, signerJwk: tokenKey.publicJwk};
  },
  verifyJwt: async (signer, {compact}) => {
    try {
      const jwk = signerJwk(signer);
      await compactVerify(compact, await importJWK(jwk, 'EdDSA'));
      return {verified: true, signerJwk: jwk};
    } catch {
      return {verified: false};
    }
  },
};

const authorizationServer = new Oauth2AuthorizationServer({callbacks});
const resourceServer = new Oauth2ResourceServer({callbacks});
const issuer = new Openid4vciIssuer({callbacks});

// --- state -------------------------------------------------------------------------------

const offers = new Map(); // offer id -> offer object
const codes = new Map(); // pre-authorized code -> tx_code or undefined (single use)
const nonces = new Map(); // c_nonce -> expiry
let metadata; // the libraries' IssuerMetadataResult: ours, as they read it

function credentialFor(holderDid, {issuer = issuerDid, contexts = [
  VCDM_1_CONTEXT, 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json']} = {}) {
  const now = new Date();
  return {
    '@context': contexts,
    id: `urn:uuid:${randomUUID()}`,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: 'Open Source Contributor',
    issuer: {id: issuer, type: ['Profile'], name: 'Independent Test Academy'},
    issuanceDate: now.toISOString().replace(/\.\d+Z$/, 'Z'),
    credentialSubject: {
      id: holderDid,
      type: ['AchievementSubject'],
      achievement: {
        id: 'https://academy.example/achievements/oss-contributor',
        type: ['Achievement'],
        achievementType: 'Badge',
        name: 'Open Source Contributor',
        description: 'Had a pull request merged into an open source project.',
        criteria: {narrative: 'A merged pull request, reviewed by a maintainer.'},
        fieldOfStudy: 'Software engineering',
      },
    },
  };
}

// The ed25519-2020 context in the credential's own @context (interop note 1).
async function signedLdpCredential(holderDid) {
  const credential = credentialFor(holderDid, {
    issuer: ldpIssuer.did,
    contexts: [VCDM_1_CONTEXT, OB_3_0_0_CONTEXT, ED25519_2020_CONTEXT],
  });
  return vc.issue({credential, suite: ldpSuite, documentLoader});
}

async function signedCredential(holderDid) {
  const credential = credentialFor(holderDid);
  const issued = Math.floor(Date.parse(credential.issuanceDate) / 1000);
  return new SignJWT({vc: credential, jti: credential.id, sub: holderDid, nbf: issued})
    .setProtectedHeader({alg: 'EdDSA', typ: 'JWT', kid: issuerKid})
    .setIssuer(issuerDid)
    .sign(issuerKey.privateKey);
}

// --- HTTP ----------------------------------------------------------------------------------

function send(response, status, body, headers = {}) {
  response.writeHead(status, {'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers});
  response.end(body === undefined ? undefined : JSON.stringify(body));
}

async function readBody(request) {
  const chunks = [];
  for await (const chunk of request) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function requestLike(request, url) {
  return {method: request.method, url: url.href, headers: new Headers(request.headers)};
}

async function token(request, url) {
  const form = Object.fromEntries(new URLSearchParams(await readBody(request)));
  const parsed = authorizationServer.parseAccessTokenRequest({
    request: requestLike(request, url),
    accessTokenRequest: form,
  });
  const code = parsed.grant.preAuthorizedCode;
  if(parsed.grant.grantType !== preAuthorizedCodeGrantIdentifier || !codes.has(code)) {
    return [400, {error: 'invalid_grant'}];
  }
  await authorizationServer.verifyPreAuthorizedCodeAccessTokenRequest({
    grant: parsed.grant,
    accessTokenRequest: parsed.accessTokenRequest,
    request: requestLike(request, url),
    authorizationServerMetadata: metadata.authorizationServers[0],
    expectedPreAuthorizedCode: code,
    expectedTxCode: codes.get(code),
  });
  codes.delete(code);
  return [200, await authorizationServer.createAccessTokenResponse({
    authorizationServer: metadata.authorizationServers[0].issuer,
    audience: metadata.credentialIssuer.credential_issuer,
    signer: {method: 'jwk', publicJwk: tokenKey.publicJwk, alg: 'EdDSA', kid: tokenKey.kid},
    expiresInSeconds: 300,
    subject: code,
  })];
}

async function credential(request, url) {
  await resourceServer.verifyResourceRequest({
    request: requestLike(request, url),
    resourceServer: metadata.credentialIssuer.credential_issuer,
    authorizationServers: metadata.authorizationServers,
  });
  const parsed = issuer.parseCredentialRequest({
    issuerMetadata: metadata,
    credentialRequest: JSON.parse(await readBody(request)),
  });
  const [proof] = parsed.proofs?.jwt ?? [];
  const nonce = proof ? decodeJwt({jwt: proof}).payload.nonce : undefined;
  const configurationId = parsed.credentialConfigurationId;
  if(![CONFIGURATION_ID, LDP_CONFIGURATION_ID].includes(configurationId) || !proof) {
    return [400, {error: 'invalid_credential_request'}];
  }
  if(!nonces.has(nonce)) {
    return [400, {error: 'invalid_nonce'}];
  }
  const verified = await issuer.verifyCredentialRequestJwtProof({
    issuerMetadata: metadata,
    jwt: proof,
    expectedNonce: nonce,
    nonceExpiresAt: nonces.get(nonce),
  });
  nonces.delete(nonce);
  if(verified.signer.method !== 'did') {
    return [400, {error: 'invalid_proof', error_description: 'name the key with a DID'}];
  }
  const holderDid = verified.signer.didUrl.split('#')[0];
  return [200, issuer.createCredentialResponse({
    credentialRequest: parsed,
    credentials: [{credential: configurationId === LDP_CONFIGURATION_ID ?
      await signedLdpCredential(holderDid) : await signedCredential(holderDid)}],
    notificationId: randomUUID(),
  })];
}

const server = createServer(async (request, res) => {
  const url = new URL(request.url, metadata.credentialIssuer.credential_issuer);
  const route = `${request.method} ${url.pathname}`;
  try {
    if(route === 'GET /.well-known/openid-credential-issuer') {
      return send(res, 200, metadata.credentialIssuer);
    }
    if(route === 'GET /.well-known/oauth-authorization-server') {
      return send(res, 200, metadata.authorizationServers[0]);
    }
    if(route === 'GET /jwks') {
      return send(res, 200, {keys: [{...tokenKey.publicJwk, kid: tokenKey.kid, alg: 'EdDSA'}]});
    }
    if(request.method === 'GET' && url.pathname.startsWith('/offers/')) {
      const offer = offers.get(url.pathname.slice('/offers/'.length));
      return offer ? send(res, 200, offer) : send(res, 404, {error: 'not_found'});
    }
    if(route === 'POST /token') {
      const [status, body] = await token(request, url);
      return send(res, status, body);
    }
    if(route === 'POST /nonce') {
      const cNonce = b64url(randomBytes(16));
      nonces.set(cNonce, new Date(Date.now() + 300_000));
      return send(res, 200, issuer.createNonceResponse({cNonce, cNonceExpiresIn: 300}));
    }
    if(route === 'POST /credential') {
      const [status, body] = await credential(request, url);
      return send(res, status, body);
    }
    if(route === 'POST /offers') {
      const configuration = url.searchParams.get('configuration');
      const count = Number(url.searchParams.get('count') ?? '1');
      const links = [];
      for(let i = 0; i < count; i++) {
        links.push(await makeOffer(configuration));
      }
      return send(res, 200, {offers: links});
    }
    if(route === 'POST /notification') {
      return send(res, 204);
    }
    return send(res, 404, {error: 'not_found'});
  } catch(error) {
    console.error(route, error);  // the test prints this log when it fails
    if(error instanceof Oauth2ServerErrorResponseError) {
      return send(res, error.status ?? 400, error.errorResponse);
    }
    if(error instanceof Oauth2ResourceUnauthorizedError) {
      return send(res, 401, {error: 'invalid_token'}, error.toHeaderValue ?
        {'WWW-Authenticate': error.toHeaderValue()} : {});
    }
    return send(res, 500, {error: 'server_error'});
  }
});

// An offer of one configuration, by reference; its openid-credential-offer:// link.
async function makeOffer(configurationId, txCode) {
  const base = metadata.credentialIssuer.credential_issuer;
  const code = b64url(randomBytes(24));
  codes.set(code, txCode);
  const id = randomUUID();
  const {credentialOffer, credentialOfferObject} = await issuer.createCredentialOffer({
    issuerMetadata: metadata,
    credentialConfigurationIds: [configurationId],
    grants: {
      [preAuthorizedCodeGrantIdentifier]: {
        'pre-authorized_code': code,
        ...(txCode ? {tx_code: {input_mode: 'numeric', length: txCode.length}} : {}),
      },
    },
    credentialOfferUri: `${base}/offers/${id}`,
  });
  offers.set(id, credentialOfferObject);
  return credentialOffer;
}

server.listen(0, '127.0.0.1', async () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  metadata = {
    originalDraftVersion: Openid4vciVersion.V1,
    authorizationServers: [authorizationServer.createAuthorizationServerMetadata({
      issuer: base,
      token_endpoint: `${base}/token`,
      jwks_uri: `${base}/jwks`,
      grant_types_supported: [preAuthorizedCodeGrantIdentifier],
      'pre-authorized_grant_anonymous_access_supported': true,
    })],
    credentialIssuer: issuer.createCredentialIssuerMetadata({
      credential_issuer: base,
      credential_endpoint: `${base}/credential`,
      nonce_endpoint: `${base}/nonce`,
      notification_endpoint: `${base}/notification`,
      display: [{name: 'Independent Test Academy', locale: 'en'}],
      credential_configurations_supported: {
        [CONFIGURATION_ID]: {
          format: 'jwt_vc_json',
          credential_definition: {type: ['VerifiableCredential', 'OpenBadgeCredential']},
          cryptographic_binding_methods_supported: ['did:key'],
          credential_signing_alg_values_supported: ['EdDSA'],
          proof_types_supported: {jwt: {proof_signing_alg_values_supported: ['EdDSA']}},
          credential_metadata: {display: [{name: 'Open Badge', locale: 'en'}]},
        },
        [LDP_CONFIGURATION_ID]: {
          format: 'ldp_vc',
          credential_definition: {
            '@context': [VCDM_1_CONTEXT, OB_3_0_0_CONTEXT],
            type: ['VerifiableCredential', 'OpenBadgeCredential'],
          },
          cryptographic_binding_methods_supported: ['did:key'],
          credential_signing_alg_values_supported: ['Ed25519Signature2020'],
          proof_types_supported: {jwt: {proof_signing_alg_values_supported: ['EdDSA']}},
          credential_metadata: {display: [{name: 'Open Badge (JSON-LD)', locale: 'en'}]},
        },
      },
    }),
  };
  metadata.knownCredentialConfigurations =
    issuer.getKnownCredentialConfigurationsSupported(metadata.credentialIssuer);
  const links = {};
  for(const [name, txCode] of [['plain', undefined], ['pin', TX_CODE]]) {
    links[name] = await makeOffer(CONFIGURATION_ID, txCode);
  }
  process.stdout.write(JSON.stringify({issuer: base, issuer_did: issuerDid, offers: links, tx_code: TX_CODE}) + '\n');
});
