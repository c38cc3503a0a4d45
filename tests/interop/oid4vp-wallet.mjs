// An OpenID4VP wallet we did not write, for the verifier's interop tests: the OpenWallet
// Foundation's @openid4vc/openid4vp client for the protocol, OWF's dcql for DCQL matching,
// Digital Bazaar's @digitalbazaar/vc (Ed25519Signature2020) for ldp_vc presentations and jose
// for jwt_vc_json ones, holding the did:key of holder-key.mjs.
//
//   node oid4vp-wallet.mjs --holder-key FILE --credentials FILE 'openid4vp://?...'
//
// --credentials names a JSON array of credentials issued to the holder's did:key: objects
// (ldp_vc) and compact VC-JWT strings (jwt_vc_json). The library parses the link, fetches a
// request_uri, verifies the signed request object of a `decentralized_identifier:` client
// (a did:key; this callback checks the signature, the library that the signer is the client)
// or accepts a `redirect_uri:` client's unsigned request, and validates the request. The
// wallet then answers the DCQL query (OpenID4VP 1.0: vp_token {query id: [presentation]}) or,
// for draft-era requests, the Presentation Exchange definition (vp_token and
// presentation_submission), signing each presentation with challenge/nonce = the request's
// nonce and domain/aud = its full client_id, and the library builds and posts the
// direct_post response. Prints one JSON object:
//   {"request": {client_id, prefix, signed, version, dialect, nonce, response_uri},
//    "sent": {vp_token, presentation_submission?},
//    "response": {status, body}}
// or {"refused": "why"} (exit 0) when it will not answer: the request did not verify, or no
// credential matches. Anything else that fails exits non-zero with the error on stderr.
import {createHash, randomUUID} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import {parseArgs} from 'node:util';

import * as vc from '@digitalbazaar/vc';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {Openid4vpClient} from '@openid4vc/openid4vp';
import {setGlobalConfig} from '@openid4vc/utils';
import {DcqlQuery} from 'dcql';
import {SignJWT, compactVerify, decodeJwt, importJWK} from 'jose';
import jsonld from 'jsonld';

import {didKeyPublicJwk, documentLoader} from './document-loader.mjs';
import {loadHolderKey} from './holder-key.mjs';
import {selectForDefinition} from './presentation-exchange.mjs';

const PRESENTATION_LIFETIME_SECONDS = 300;

const {values: options, positionals: [link]} = parseArgs({
  options: {'holder-key': {type: 'string'}, credentials: {type: 'string'}},
  allowPositionals: true,
});
if(!link || !options['holder-key'] || !options.credentials) {
  console.error('usage: node oid4vp-wallet.mjs --holder-key FILE --credentials FILE LINK');
  process.exit(2);
}

// The verifier under test runs on http://127.0.0.1 (development mode, no TLS).
setGlobalConfig({allowInsecureUrls: true});

const holder = await loadHolderKey(options['holder-key']);
const held = await Promise.all(
  JSON.parse(await readFile(options.credentials, 'utf8')).map(describe));

function refuse(why) {
  process.stdout.write(JSON.stringify({refused: why}) + '\n');
  process.exit(0);
}

function notSupported(name) {
  return () => {
    throw new Error(`${name} is not used by this wallet`);
  };
}

const client = new Openid4vpClient({
  callbacks: {
    // The OpenID4VP errata: wallets must not follow redirects from request_uri/response_uri.
    fetch: (url, init) => fetch(url, {...init, redirect: 'manual'}),
    hash: (data, alg) => createHash(alg.replace('-', '').toLowerCase()).update(data).digest(),
    // A request object signed by a did:key verifier: the key comes from the DID itself.
    async verifyJwt(signer, {compact}) {
      if(signer.method !== 'did' || !signer.didUrl.startsWith('did:key:')) {
        return {verified: false};
      }
      const [did, fragment] = signer.didUrl.split('#');
      if(fragment !== did.slice('did:key:'.length)) {
        return {verified: false}; // not the did:key's one verification method
      }
      const jwk = didKeyPublicJwk(did);
      try {
        await compactVerify(compact, await importJWK(jwk, 'EdDSA'), {algorithms: ['EdDSA']});
      } catch {
        return {verified: false, signerJwk: jwk};
      }
      return {verified: true, signerJwk: jwk};
    },
    signJwt: notSupported('signJwt'),
    encryptJwe: notSupported('encryptJwe'),
    decryptJwe: notSupported('decryptJwe'),
  },
});

// --- the credentials held --------------------------------------------------------------------

// What the wallet knows of one credential: its format, the VC document (a VC-JWT's `vc`
// claim), and its type IRIs (DCQL's type_values are expanded IRIs; interop note 6).
async function describe(credential) {
  const jwt = typeof credential === 'string';
  const payload = jwt ? decodeJwt(credential) : null;
  const document = jwt ? payload.vc : credential;
  const [expanded] = await jsonld.expand(
    {'@context': document['@context'], type: document.type}, {documentLoader, safe: true});
  return {
    format: jwt ? 'jwt_vc_json' : 'ldp_vc',
    credential,
    document,
    payload,
    types: expanded['@type'],
  };
}

// --- presentations ---------------------------------------------------------------------------

const VCDM_1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';

async function ldpPresentation(item, request) {
  // A presentation of its credential's data model version. @digitalbazaar/vc 7 makes VCDM
  // 2.0 presentations by default, which VCDM 1.1 verifiers (didkit 0.3.3) cannot read
  // around a 1.1 credential.
  const version = item.document['@context'][0] === VCDM_1_CONTEXT ? 1.0 : 2.0;
  const presentation = vc.createPresentation({
    verifiableCredential: [item.credential],
    holder: holder.did,
    version,
  });
  const signer = {
    id: holder.kid,
    algorithm: 'Ed25519',
    sign: async ({data}) => holder.sign(data),
  };
  return vc.signPresentation({
    presentation,
    suite: new Ed25519Signature2020({signer}),
    challenge: request.nonce,
    domain: request.client_id, // the full client_id, prefix included (interop note 7)
    documentLoader,
  });
}

async function jwtPresentation(item, request) {
  const now = Math.floor(Date.now() / 1000);
  const key = await importJWK(holder.privateJwk, 'EdDSA');
  return new SignJWT({
    nonce: request.nonce,
    vp: {
      '@context': [VCDM_1_CONTEXT],
      type: ['VerifiablePresentation'],
      holder: holder.did,
      verifiableCredential: [item.credential],
    },
  })
    .setProtectedHeader({alg: 'EdDSA', typ: 'JWT', kid: holder.kid})
    .setIssuer(holder.did)
    .setAudience(request.client_id) // the full client_id, prefix included (interop note 7)
    .setJti(`urn:uuid:${randomUUID()}`)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + PRESENTATION_LIFETIME_SECONDS)
    .sign(key);
}

function present(item, request) {
  return item.format === 'ldp_vc' ?
    ldpPresentation(item, request) : jwtPresentation(item, request);
}

// --- answering the query ---------------------------------------------------------------------

async function answerDcql(query, request) {
  const parsed = DcqlQuery.parse(query);
  DcqlQuery.validate(parsed);
  const result = DcqlQuery.query(parsed, held.map(item => ({
    credential_format: item.format,
    type: item.types,
    claims: item.document, // W3C claims paths start at the VC root
    cryptographic_holder_binding: true,
  })));
  if(!result.can_be_satisfied) {
    refuse('no credential held matches the DCQL query');
  }
  const vpToken = {};
  for(const [queryId, match] of Object.entries(result.credential_matches)) {
    if(match.success) {
      const item = held[match.valid_credentials[0].input_credential_index];
      vpToken[queryId] = [await present(item, request)];
    }
  }
  return {vp_token: vpToken};
}

const VP_FORMAT = {ldp_vc: 'ldp_vp', jwt_vc_json: 'jwt_vp_json'};
const NESTED_PATH = {ldp_vc: '$.verifiableCredential[0]', jwt_vc_json: '$.vp.verifiableCredential[0]'};

async function answerPresentationExchange(definition, request) {
  const picks = selectForDefinition(definition, held);
  if(!picks) {
    refuse('no credential held matches the presentation definition');
  }
  const presentations = [];
  const descriptorMap = [];
  for(const [position, {descriptorId, item}] of picks.entries()) {
    presentations.push(await present(item, request));
    descriptorMap.push({
      id: descriptorId,
      format: VP_FORMAT[item.format],
      path: picks.length === 1 ? '$' : `$[${position}]`,
      path_nested: {id: descriptorId, format: item.format, path: NESTED_PATH[item.format]},
    });
  }
  return {
    vp_token: presentations.length === 1 ? presentations[0] : presentations,
    presentation_submission: {
      id: randomUUID(),
      definition_id: definition.id,
      descriptor_map: descriptorMap,
    },
  };
}

// --- the exchange ----------------------------------------------------------------------------

let resolved;
try {
  const parsed = client.parseOpenid4vpAuthorizationRequest({authorizationRequest: link});
  resolved = await client.resolveOpenId4vpAuthorizationRequest({
    authorizationRequestPayload: parsed.params,
  });
} catch(error) {
  refuse(`the request was not accepted: ${error.error_description || error.message}`);
}
const request = resolved.authorizationRequestPayload;
if(request.response_mode !== 'direct_post') {
  refuse(`this wallet answers by direct_post only, not ${request.response_mode}`);
}
let answer;
if(resolved.dcql) {
  answer = await answerDcql(resolved.dcql.query, request);
} else if(resolved.pex?.presentation_definition) {
  answer = await answerPresentationExchange(resolved.pex.presentation_definition, request);
} else {
  refuse('the request has neither a DCQL query nor a presentation definition');
}

const {authorizationResponsePayload} = await client.createOpenid4vpAuthorizationResponse({
  authorizationRequestPayload: request,
  authorizationResponsePayload: answer,
});
const {response} = await client.submitOpenid4vpAuthorizationResponse({
  authorizationRequestPayload: request,
  authorizationResponsePayload,
});
const text = await response.text();
let body;
try {
  body = JSON.parse(text);
} catch {
  body = text;
}
process.stdout.write(JSON.stringify({
  request: {
    client_id: request.client_id,
    prefix: resolved.client.prefix,
    signed: resolved.jar !== undefined,
    version: resolved.version,
    dialect: resolved.dcql ? 'dcql' : 'pex',
    nonce: request.nonce,
    response_uri: request.response_uri,
  },
  sent: answer,
  response: {status: response.status, body},
}) + '\n');
