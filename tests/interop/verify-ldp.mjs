// Verifies an ldp_vc credential (Ed25519Signature2020, did:key issuer) with the Digital Bazaar
// libraries, as an independent party would.
//
//   node verify-ldp.mjs [--status-lists-from ORIGIN] [FILE]
//
// Reads the credential as JSON from FILE, or from stdin; prints
// {"verified": bool, "errors": [string]} and exits 0 whatever the outcome (a crash exits
// non-zero and prints to stderr).
//
// No network for contexts: every JSON-LD context comes from an npm package installed beside
// this script (document-loader.mjs), and did:key documents are computed from the key itself.
// With --status-lists-from, the credential's status entries are checked too
// (status-check.mjs: @digitalbazaar/vc-status-list fetches and verifies the lists from that
// origin only, and the bits are read), and the output gains "status":
// {"checked", "verdict": valid|revoked|suspended|unknown, "entries"}; any verdict but "valid"
// makes "verified" false. Without it, status is not this script's job and a status entry is
// accepted as is (interop note 8: our verifier judges status).
import {readFile} from 'node:fs/promises';
import {parseArgs} from 'node:util';

import * as vc from '@digitalbazaar/vc';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';

import {documentLoader} from './document-loader.mjs';
import {statusChecker} from './status-check.mjs';

const {values: options, positionals: [path]} = parseArgs({
  options: {'status-lists-from': {type: 'string'}},
  allowPositionals: true,
});

async function readInput() {
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
const checker = options['status-lists-from'] ?
  statusChecker({listsFrom: options['status-lists-from']}) : null;
const result = await vc.verifyCredential({
  credential,
  suite: new Ed25519Signature2020(),
  documentLoader,
  checkStatus: checker ? checker.checkStatus : async () => ({verified: true}),
});
const errors = [
  ...messages(result.error),
  ...(result.results || []).flatMap(r => messages(r.error)),
  ...messages(result.statusResult?.error),
];
const report = {verified: result.verified === true, errors: [...new Set(errors)]};
if(checker) {
  // The status is reported even when the signature failed first and vc skipped it.
  report.status = result.statusResult?.status ?? await checker.statusOf(credential);
}
process.stdout.write(JSON.stringify(report) + '\n');
