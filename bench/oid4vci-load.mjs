// The load driver of bench/issuance_vs_peer.py: complete OpenID4VCI pre-authorized flows,
// each by a new wallet with a fresh did:key holder key, on the OpenWallet Foundation's
// @openid4vc/openid4vci client (tests/interop/oid4vci-receive.mjs: the same wallet code the
// interop tests run), `concurrency` flows at a time.
//
//   node bench/oid4vci-load.mjs < {"offers": [link...], "configuration": ID, "concurrency": N,
//                                  "warm_up": K}
//
// The first K offers warm up (not timed); the rest are timed. Prints "timed" when the timed
// flows start, then one JSON object:
// {"seconds", "cpu_seconds" (the driver's own), "flows", "latencies": [ms per flow],
//  "steps": {step: [ms per request]}, "credentials": [credential...]}; any failed flow stops the run with its error.
import {freshDidKeyHolder} from '../tests/interop/holder-key.mjs';
import {clientFor, receive} from '../tests/interop/oid4vci-receive.mjs';

const chunks = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk);
}
const {offers, configuration, concurrency, warm_up: warmUp = 0} =
  JSON.parse(Buffer.concat(chunks).toString('utf8'));

// The configuration asked for, or credstack's per-achievement configuration of it
// (<configuration>__<achievement id>), whichever the offer names first.
let picked;
function pick(id) {
  picked ??= [configuration, `${configuration}__`].find(prefix => id.startsWith(prefix)) && id;
  return id === picked;
}

// What a request to this path is, in the flow's terms.
function step(url) {
  const path = new URL(url).pathname;
  if(path.startsWith('/.well-known/')) {
    return 'metadata';
  }
  if(path.startsWith('/credential-offer/') || path.startsWith('/offers/')) {
    return 'offer';
  }
  return path.slice(1) || path;
}

async function run(links, steps) {
  const queue = [...links];
  const latencies = [];
  const credentials = [];
  const timedFetch = async (url, init) => {
    const started = performance.now();
    const response = await fetch(url, init);
    // The library reads the body next; time the whole answer, body included.
    const body = await response.arrayBuffer();
    (steps[step(String(url))] ??= []).push(performance.now() - started);
    const empty = [101, 204, 205, 304].includes(response.status);
    return new Response(empty ? null : body, {status: response.status, headers: response.headers});
  };
  async function wallet() {
    for(let link = queue.shift(); link !== undefined; link = queue.shift()) {
      const started = performance.now();
      const holder = await freshDidKeyHolder();
      const signers = [{method: 'did', didUrl: holder.kid, alg: 'EdDSA'}];
      const received = await receive(clientFor(holder, timedFetch), signers, link, {pick});
      latencies.push(performance.now() - started);
      credentials.push(...Object.values(received.credentials).map(item => item.credential));
    }
  }
  const started = performance.now();
  await Promise.all(Array.from({length: concurrency}, wallet));
  return {seconds: (performance.now() - started) / 1000, latencies, credentials};
}

await run(offers.slice(0, warmUp), {});
process.stdout.write('timed\n');  // the bench reads the issuer's CPU time now and at the end
const steps = {};
// The driver's own CPU time over the timed flows (every thread: key generation and
// signing run on libuv's pool), so the bench can say what the client costs the machine.
const cpuBefore = process.cpuUsage();
const {seconds, latencies, credentials} = await run(offers.slice(warmUp), steps);
const {user, system} = process.cpuUsage(cpuBefore);
const cpu_seconds = (user + system) / 1e6;
process.stdout.write(
  JSON.stringify({seconds, cpu_seconds, flows: latencies.length, latencies, steps, credentials}) +
  '\n');
