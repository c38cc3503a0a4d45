// The independent holder's key: one Ed25519 key whose did:key names the holder, shared by
// the OpenID4VCI client (which has credentials issued to it) and the OpenID4VP wallet (which
// presents them), two processes run one after the other. The key lives in a file the test
// gives both (a private JWK, mode 0600, in the test's temporary folder).
import {createPrivateKey, generateKeyPairSync, sign} from 'node:crypto';
import {readFile, writeFile} from 'node:fs/promises';

import {Ed25519VerificationKey2020} from '@digitalbazaar/ed25519-verification-key-2020';

async function holderOf(privateJwk) {
  const privateKey = createPrivateKey({key: privateJwk, format: 'jwk'});
  const {kty, crv, x} = privateJwk;
  const publicJwk = {kty, crv, x};
  const fingerprint = (await Ed25519VerificationKey2020.fromJsonWebKey(
    {type: 'JsonWebKey', publicKeyJwk: publicJwk})).fingerprint();
  const did = `did:key:${fingerprint}`;
  return {
    did,
    kid: `${did}#${fingerprint}`, // did:key's one verification method
    publicJwk,
    privateJwk,
    sign: data => sign(null, Buffer.from(data), privateKey),
  };
}

// A new holder with a key of its own, kept in memory only (a load driver's many wallets).
export async function freshDidKeyHolder() {
  const {privateKey} = generateKeyPairSync('ed25519');
  return holderOf(privateKey.export({format: 'jwk'}));
}

// The holder whose key is in `path`; with `create`, a new key is made there if none is.
export async function loadHolderKey(path, {create = false} = {}) {
  let text;
  try {
    text = await readFile(path, 'utf8');
  } catch(error) {
    if(!(create && error.code === 'ENOENT')) {
      throw error;
    }
    const {privateKey} = generateKeyPairSync('ed25519');
    text = JSON.stringify(privateKey.export({format: 'jwk'}));
    await writeFile(path, text, {mode: 0o600, flag: 'wx'});
  }
  return holderOf(JSON.parse(text));
}
