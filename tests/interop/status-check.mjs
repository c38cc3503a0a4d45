// Status checking as an independent verifier does it, with Digital Bazaar's
// @digitalbazaar/vc-status-list: it fetches the StatusList2021Credential a credential names,
// verifies the list's Ed25519Signature2020 proof, checks that the list's issuer and purpose
// match the credential's, and decodes the list. Interop note 8: libraries disagree on what
// "verified" means for a set bit, so the bit itself is read here (with the same library's
// decoder, from the same fetched list) and the verdict decided from it; a list that could not
// be fetched or verified makes the status "unknown", never "valid".
//
// Lists are fetched over HTTP only from one origin the caller names (the issuer under test on
// loopback); any other status list URL is refused, so a status entry pointing elsewhere comes
// out "unknown". Without an origin, status is not checked at all ("not checked").
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import * as statusList from '@digitalbazaar/vc-status-list';

import {documentLoader as offlineLoader} from './document-loader.mjs';

// Where our credentials carry their entries: OB 3.0 allows one credentialStatus (revocation);
// the suspension entry is in our extension member suspensionStatus. The library reads only
// credentialStatus, so each entry is handed to it as the credentialStatus of a copy.
const ENTRY_MEMBERS = ['credentialStatus', 'suspensionStatus'];
const FETCH_TIMEOUT_MS = 20000;

function originOf(url) {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

function messageOf(error) {
  const parts = [];
  for(let e = error; e; e = e.cause) {
    parts.push(e.message || String(e));
  }
  return parts.join('; ');
}

export function statusChecker({listsFrom} = {}) {
  const origin = listsFrom ? originOf(listsFrom) : null;
  const lists = new Map(); // status list URL -> fetched document (one fetch per list per run)

  async function fetchList(url) {
    if(!lists.has(url)) {
      const response = await fetch(url, {
        headers: {Accept: 'application/json'},
        redirect: 'error',
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
      if(!response.ok) {
        throw new Error(`GET ${url} answered ${response.status}`);
      }
      lists.set(url, await response.json());
    }
    return lists.get(url);
  }

  async function documentLoader(url) {
    if(origin && originOf(url) === origin) {
      return {contextUrl: null, documentUrl: url, document: await fetchList(url)};
    }
    return offlineLoader(url);
  }

  // One entry: {purpose, index, list, set: true|false|null, error?}.
  async function entryStatus(credential, entry) {
    const purpose = entry?.statusPurpose ?? null;
    const report = {purpose, index: entry?.statusListIndex ?? null,
      list: entry?.statusListCredential ?? null, set: null};
    const checked = await statusList.checkStatus({
      credential: {...credential, credentialStatus: entry},
      documentLoader,
      suite: new Ed25519Signature2020(),
      verifyStatusListCredential: true,
      verifyMatchingIssuers: true,
    });
    if(checked.error || !Array.isArray(checked.results)) {
      return {...report, error: messageOf(checked.error) || 'the status could not be checked'};
    }
    const document = lists.get(entry.statusListCredential);
    const list = await statusList.decodeList({
      encodedList: document.credentialSubject.encodedList,
    });
    return {...report, set: list.getStatus(parseInt(entry.statusListIndex, 10))};
  }

  // The credential's status: {checked, verdict: valid|revoked|suspended|unknown, entries}.
  async function statusOf(credential) {
    if(!origin) {
      return {checked: false, verdict: 'not checked', entries: []};
    }
    const entries = [];
    for(const member of ENTRY_MEMBERS) {
      if(credential[member] !== undefined) {
        entries.push(await entryStatus(credential, credential[member]));
      }
    }
    let verdict = 'valid';
    if(entries.some(entry => entry.set === null)) {
      verdict = 'unknown';
    } else if(entries.some(entry => entry.set && entry.purpose === 'revocation')) {
      verdict = 'revoked';
    } else if(entries.some(entry => entry.set && entry.purpose === 'suspension')) {
      verdict = 'suspended';
    } else if(entries.some(entry => entry.set)) {
      verdict = 'unknown'; // a set bit of a purpose this verifier does not know
    }
    return {checked: true, verdict, entries};
  }

  // The checkStatus option of @digitalbazaar/vc's verify functions.
  async function checkStatus({credential}) {
    const status = await statusOf(credential);
    if(!status.checked || status.verdict === 'valid') {
      return {verified: true, status};
    }
    const problems = status.entries.filter(entry => entry.error).map(entry => entry.error);
    const error = new Error(status.verdict === 'unknown' ?
      `the status of ${credential.id} could not be checked: ${problems.join('; ')}` :
      `${credential.id} is ${status.verdict}`);
    return {verified: false, status, error};
  }

  return {documentLoader, statusOf, checkStatus};
}
