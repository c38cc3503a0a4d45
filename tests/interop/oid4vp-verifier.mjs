// An OpenID4VP verifier we did not write, for the wallet's interop tests: a tiny node:http
// server on loopback built on the OpenWallet Foundation's @openid4vc/openid4vp library.
//
// The library creates each authorization request (the openid4vp:// link, and for a
// decentralized_identifier verifier the signed request object) and parses and validates the
// direct_post response (state, vp_token shape, presentation_submission). It leaves checking
// the presentations themselves to its caller, so this glue does that with other people's
// libraries: @digitalbazaar/vc for ldp_vp (signature, challenge = nonce, domain = client_id,
// and each credential's issuer proof), jose for jwt_vp_json (signature, nonce, aud, and each
// VC-JWT's signature). Holder binding: every credential's subject must be the presenter.
// Status: with --status-lists-from ORIGIN, every credential's status lists are fetched from
// that origin, verified and read with Digital Bazaar's @digitalbazaar/vc-status-list
// (status-check.mjs), afresh for each response, and a credential that is revoked, suspended
// or of unknown status is refused; without it, status is not judged ("not checked").
//
// Endpoints (all JSON unless said):
//   POST /requests        {dialect: "dcql"|"pex", client_id_prefix: "redirect_uri"|
//                          "decentralized_identifier", dcql_query?, presentation_definition?}
//                         -> {id, link, client_id, nonce, state}
//   GET  /request/:id     the signed request object (application/oauth-authz-req+jwt)
//   POST /response/:id    the wallet's direct_post (form); 200 {redirect_uri} when accepted,
//                         200 {} for an error response, 400 {error} when a check fails
//   GET  /results/:id     what this verifier received and concluded, for the test to read
//
// Run: node oid4vp-verifier.mjs [--status-lists-from ORIGIN]
//   -> prints {"port": N} once listening on 127.0.0.1.
import {generateKeyPairSync, randomBytes} from 'node:crypto';
import {createServer} from 'node:http';
import {parseArgs} from 'node:util';

import {Openid4vpVerifier} from '@openid4vc/openid4vp';
import {setGlobalConfig} from '@openid4vc/utils';
import * as vc from '@digitalbazaar/vc';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {Ed25519VerificationKey2020} from '@digitalbazaar/ed25519-verification-key-2020';
import {SignJWT, decodeProtectedHeader, importJWK, jwtVerify} from 'jose';

import {didKeyPublicJwk, documentLoader} from './document-loader.mjs';
import {statusChecker} from './status-check.mjs';

const {values: options} = parseArgs({options: {'status-lists-from': {type: 'string'}}});
const STATUS_LISTS_FROM = options['status-lists-from'];

// The wallet under test and this verifier both run on loopback, over http.
setGlobalConfig({allowInsecureUrls: true});

const CLIENT_NAME = 'Independent Verifier (OWF openid4vp)';
const requests = new Map();
const results = new Map();
let baseUrl = '';

// The verifier's own DID, for requests signed as a decentralized_identifier client.
const verifierKeys = generateKeyPairSync('ed25519');
const verifierPublicJwk = verifierKeys.publicKey.export({format: 'jwk'});
const verifierPrivateJwk = verifierKeys.privateKey.export({format: 'jwk'});
const verifierFingerprint = (await Ed25519VerificationKey2020.fromJsonWebKey(
  {type: 'JsonWebKey', publicKeyJwk: verifierPublicJwk})).fingerprint();
const verifierDid = `did:key:${verifierFingerprint}`;
const verifierKid = `${verifierDid}#${verifierFingerprint}`;

function notSupported(name) {
  return () => {
    throw new Error(`${name} is not used by this verifier`);
  };
}

const library = new Openid4vpVerifier({
  callbacks: {
    hash: notSupported('hash'),
    decryptJwe: notSupported('decryptJwe'),
    encryptJwe: notSupported('encryptJwe'),
    verifyJwt: notSupported('verifyJwt'),
    async signJwt(signer, {header, payload}) {
      if(signer.method !== 'did' || signer.didUrl !== verifierKid) {
        throw new Error('this verifier signs with its own did:key only');
      }
      const key = await importJWK(verifierPrivateJwk, 'EdDSA');
      const jwt = await new SignJWT(payload).setProtectedHeader(header).sign(key);
      return {jwt, signerJwk: verifierPublicJwk};
    },
  },
});

function random() {
  return randomBytes(16).toString('base64url');
}

async function createRequest(body) {
  const id = random();
  const responseUri = `${baseUrl}/response/${id}`;
  const payload = {
    response_type: 'vp_token',
    response_mode: 'direct_post',
    response_uri: responseUri,
    nonce: random(),
    state: random(),
  };
  let jar;
  if(body.dialect === 'pex') {
    // Draft era: client_id_scheme beside a bare client id, Presentation Exchange, vp_formats.
    Object.assign(payload, {
      client_id: responseUri,
      client_id_scheme: 'redirect_uri',
      presentation_definition: body.presentation_definition,
      client_metadata: {
        client_name: CLIENT_NAME,
        vp_formats: {ldp_vp: {proof_type: ['Ed25519Signature2020']}, jwt_vp_json: {alg: ['EdDSA']}},
      },
    });
  } else {
    const signed = body.client_id_prefix === 'decentralized_identifier';
    Object.assign(payload, {
      client_id: signed ?
        `decentralized_identifier:${verifierDid}` : `redirect_uri:${responseUri}`,
      dcql_query: body.dcql_query,
      client_metadata: {
        client_name: CLIENT_NAME,
        vp_formats_supported: {
          ldp_vc: {proof_type_values: ['Ed25519Signature2020']},
          jwt_vc_json: {alg_values: ['EdDSA']},
        },
      },
    });
    if(signed) {
      jar = {
        requestUri: `${baseUrl}/request/${id}`,
        jwtSigner: {method: 'did', didUrl: verifierKid, alg: 'EdDSA'},
        expiresInSeconds: 300,
      };
    }
  }
  const created = await library.createOpenId4vpAuthorizationRequest({
    authorizationRequestPayload: payload,
    jar,
  });
  requests.set(id, {
    payload: created.authorizationRequestPayload,
    requestObject: created.jar?.authorizationRequestJwt,
    dialect: body.dialect,
  });
  results.set(id, {received: false});
  return {
    id,
    link: created.authorizationRequest,
    client_id: payload.client_id,
    nonce: payload.nonce,
    state: payload.state,
  };
}

// --- checking presentations ----------------------------------------------------------------

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

function subjectsOf(credential) {
  const subjects = [].concat(credential.credentialSubject || []);
  return subjects.map(subject => subject.id);
}

async function checkLdpPresentation(presentation, request, checker) {
  const result = await vc.verify({
    presentation,
    challenge: request.nonce,
    domain: request.client_id,
    suite: new Ed25519Signature2020(),
    documentLoader,
    checkStatus: checker.checkStatus,
  });
  const credentialResults = result.credentialResults || [];
  const errors = [
    ...messages(result.error),
    ...(result.presentationResult?.results || []).flatMap(r => messages(r.error)),
    ...credentialResults.flatMap(r => messages(r.error)),
    ...credentialResults.flatMap(r => messages(r.statusResult?.error)),
  ];
  const credentials = [].concat(presentation.verifiableCredential || []);
  const holder = presentation.holder;
  const proofSigner = [].concat(presentation.proof || [])[0]?.verificationMethod?.split('#')[0];
  if(proofSigner !== holder) {
    errors.push(`the presentation is signed by ${proofSigner}, not by its holder ${holder}`);
  }
  for(const credential of credentials) {
    if(!subjectsOf(credential).every(subject => subject === holder)) {
      errors.push(`credential ${credential.id} is not bound to the presenter ${holder}`);
    }
  }
  return {
    verified: result.verified === true && errors.length === 0,
    errors,
    holder,
    credentials: credentials.map((credential, index) => ({
      format: 'ldp_vc', id: credential.id, type: credential.type, subject: subjectsOf(credential),
      status: credentialResults[index]?.statusResult?.status?.verdict ?? null,
    })),
  };
}

async function verifyDidKeyJwt(jwt, options) {
  const {kid} = decodeProtectedHeader(jwt);
  const key = await importJWK(didKeyPublicJwk(kid), 'EdDSA');
  const {payload} = await jwtVerify(jwt, key, {algorithms: ['EdDSA'], ...options});
  if(payload.iss !== kid.split('#')[0]) {
    throw new Error(`the JWT's iss ${payload.iss} is not the DID of its key ${kid}`);
  }
  return payload;
}

async function checkJwtPresentation(presentation, request, checker) {
  const errors = [];
  const credentials = [];
  let holder;
  try {
    const payload = await verifyDidKeyJwt(presentation, {audience: request.client_id});
    holder = payload.iss;
    if(payload.nonce !== request.nonce) {
      errors.push(`nonce ${payload.nonce} is not the request's`);
    }
    for(const credentialJwt of [].concat(payload.vp?.verifiableCredential || [])) {
      const claims = await verifyDidKeyJwt(credentialJwt, {});
      if(claims.sub !== holder) {
        errors.push(`credential ${claims.jti} is not bound to the presenter ${holder}`);
      }
      // The status entries are in the vc claim; the lists themselves are ldp_vc documents.
      const {verified, status, error} = await checker.checkStatus({credential: claims.vc});
      if(!verified) {
        errors.push(error.message);
      }
      credentials.push({
        format: 'jwt_vc_json', id: claims.jti, type: claims.vc?.type, subject: [claims.sub],
        status: status.verdict,
      });
    }
  } catch(error) {
    errors.push(error.message);
  }
  return {verified: errors.length === 0, errors, holder, credentials};
}

function checkPresentation(presentation, request, checker) {
  return typeof presentation === 'string' ?
    checkJwtPresentation(presentation, request, checker) :
    checkLdpPresentation(presentation, request, checker);
}

// Presentation Exchange descriptor_map paths of the forms wallets write: $, $[n].
function atPath(token, path) {
  if(path === '$') {
    return Array.isArray(token) ? undefined : token;
  }
  const match = /^\$\[(\d+)\]$/.exec(path);
  return match && Array.isArray(token) ? token[Number(match[1])] : undefined;
}

async function checkResponse(id, fields) {
  const stored = requests.get(id);
  const request = stored.payload;
  const parsed = await library.parseOpenid4vpAuthorizationResponse({
    authorizationResponse: fields,
    authorizationRequestPayload: request,
    callbacks: {},
  });
  const byQuery = {};
  if(parsed.type === 'dcql') {
    const queryIds = new Set(request.dcql_query.credentials.map(query => query.id));
    for(const [queryId, presentations] of Object.entries(parsed.dcql.presentations)) {
      if(!queryIds.has(queryId)) {
        throw new Error(`vp_token answers ${queryId}, which the query does not have`);
      }
      byQuery[queryId] = presentations;
    }
  } else {
    const {presentationSubmission, presentations} = parsed.pex;
    const submission = typeof presentationSubmission === 'string' ?
      JSON.parse(presentationSubmission) : presentationSubmission;
    if(submission.definition_id !== request.presentation_definition.id) {
      throw new Error('the submission answers another presentation definition');
    }
    const token = presentations.length === 1 ? presentations[0] : presentations;
    for(const entry of submission.descriptor_map) {
      const presentation = atPath(token, entry.path);
      if(presentation === undefined) {
        throw new Error(`descriptor_map path ${entry.path} selects nothing`);
      }
      (byQuery[entry.id] ||= []).push(presentation);
    }
    const descriptorIds = request.presentation_definition.input_descriptors.map(d => d.id);
    for(const descriptorId of descriptorIds) {
      if(!byQuery[descriptorId]) {
        throw new Error(`input descriptor ${descriptorId} is not answered`);
      }
    }
  }
  const presented = {};
  const errors = [];
  // A fresh checker per response: lists are fetched once per response, never reused later,
  // so a revocation made between two responses shows in the second.
  const checker = statusChecker({listsFrom: STATUS_LISTS_FROM});
  for(const [queryId, presentations] of Object.entries(byQuery)) {
    presented[queryId] = [];
    for(const presentation of presentations) {
      const checked = await checkPresentation(presentation, request, checker);
      errors.push(...checked.errors);
      presented[queryId].push(...checked.credentials.map(c => ({...c, holder: checked.holder})));
    }
  }
  return {accepted: errors.length === 0, errors, presented, dialect: parsed.type};
}

// --- HTTP ----------------------------------------------------------------------------------

function send(response, status, body, type = 'application/json') {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, {'Content-Type': type, 'Cache-Control': 'no-store'});
  response.end(text);
}

async function readBody(request) {
  const chunks = [];
  for await (const chunk of request) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function onResponse(id, request, response) {
  if(!requests.has(id)) {
    return send(response, 400, {error: 'invalid_request', error_description: 'unknown request'});
  }
  const previous = results.get(id);
  if(previous.received) {
    return send(response, 400, {error: 'invalid_request', error_description: 'already answered'});
  }
  const fields = Object.fromEntries(new URLSearchParams(await readBody(request)));
  const record = {received: true, fields: Object.keys(fields).sort(), vp_token: fields.vp_token ?? null};
  results.set(id, record);
  if(fields.error) {
    Object.assign(record, {accepted: false, error: fields.error, state_ok: fields.state === requests.get(id).payload.state});
    return send(response, 200, {});
  }
  try {
    Object.assign(record, await checkResponse(id, fields));
  } catch(error) {
    Object.assign(record, {accepted: false, errors: [error.message]});
  }
  if(!record.accepted) {
    return send(response, 400, {error: 'invalid_request', error_description: record.errors.join('; ')});
  }
  return send(response, 200, {redirect_uri: `${baseUrl}/done/${id}#response_code=${random()}`});
}

const server = createServer(async (request, response) => {
  try {
    const url = new URL(request.url, baseUrl);
    const [, first, id] = url.pathname.split('/');
    if(request.method === 'POST' && url.pathname === '/requests') {
      return send(response, 201, await createRequest(JSON.parse(await readBody(request))));
    }
    if(request.method === 'GET' && first === 'request' && requests.get(id)?.requestObject) {
      return send(response, 200, requests.get(id).requestObject, 'application/oauth-authz-req+jwt');
    }
    if(request.method === 'POST' && first === 'response') {
      return await onResponse(id, request, response);
    }
    if(request.method === 'GET' && first === 'results' && results.has(id)) {
      return send(response, 200, results.get(id));
    }
    return send(response, 404, {error: 'not_found'});
  } catch(error) {
    return send(response, 500, {error: 'server_error', error_description: error.message});
  }
});

server.listen(0, '127.0.0.1', () => {
  const {port} = server.address();
  baseUrl = `http://127.0.0.1:${port}`;
  process.stdout.write(JSON.stringify({port}) + '\n');
});
