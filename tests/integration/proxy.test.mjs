// LiveKit's API through a real HTTP proxy (tinyproxy): CONNECT tunnels for https://, absolute-form
// requests for http://, NO_PROXY to go direct, and the proxy's password never in any output.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LiveKitStandIn } from './lib/standin.mjs';
import { startRecorder, tempDir, freePort, RETRIED } from './lib/recorder.mjs';
import { sendEvent } from './lib/webhooks.mjs';
import { makeCa } from './lib/certs.mjs';
import { TinyProxy, tinyproxyAvailable } from './lib/tinyproxy.mjs';
import { Receiver, newSecret } from './lib/receiver.mjs';

// Each test's own limit, so that a hang names the test (ctest's limit names only the file).
const timeout = 60_000;

if (!tinyproxyAvailable()) {
  // make test installs it; ctest reports this file as skipped, not passed.
  console.log('SKIPPED: tinyproxy is not installed (apt-get install tinyproxy)');
  process.exit(0);
}

let proxy;
let plain;
let secure;
let ca;
before(async () => {
  proxy = await new TinyProxy().start();
  const dir = tempDir();
  const { cert, key } = makeCa(dir)('livekit');
  ca = join(dir, 'ca.pem');
  secure = await new LiveKitStandIn({ tls: { cert: readFileSync(cert), key: readFileSync(key) } }).start();
  plain = await new LiveKitStandIn().start();
});
after(async () => {
  for (const standin of [plain, secure]) assert.deepEqual(standin.strictErrors, []);
  await proxy.stop();
  await plain.stop();
  await secure.stop();
});

const envFor = (standin, extra) => ({
  LIVEKIT_HOST: standin.url, LIVEKIT_API_KEY: standin.apiKey, LIVEKIT_API_SECRET: standin.apiSecret,
  S3_BUCKET: 'proxied', RECONCILE_INTERVAL: '0', ...extra,
});

async function recordOne(env, name, standin) {
  const recorder = await startRecorder({ env, secrets: [proxy.password] });
  try {
    assert.equal((await sendEvent(recorder, 'room_started', { room: { name } })).status, 200);
    await recorder.waitForRecorded(standin, name);
    assert.equal(standin.startsFor(name).length, 1);
    return { output: recorder.output, retried: await recorder.metric(RETRIED) };
  } finally {
    await recorder.stop(); // scans the output for the proxy password, whole or in part
  }
}

test('https:// LiveKit through HTTPS_PROXY: a CONNECT tunnel, TLS verified end to end', { timeout }, async () => {
  const { output } = await recordOne(envFor(secure, { HTTPS_PROXY: proxy.url(), LIVEKIT_CA_FILE: ca }), 'through-connect', secure);
  assert.match(output, /auto-recorder ready .*proxy=http:\/\/proxyuser:<redacted>@127\.0\.0\.1:\d+/);
  assert.ok(proxy.requests().includes(`CONNECT 127.0.0.1:${secure.port}`), proxy.requests().join('\n'));
});

test('http:// LiveKit through HTTP_PROXY (lower case too): absolute-form requests', { timeout }, async () => {
  const { retried } = await recordOne(envFor(plain, { http_proxy: proxy.url() }), 'through-absolute', plain);
  assert.equal(retried, 0, 'no call was lost to the proxy closing its connections');
  assert.ok(proxy.requests().some((r) => r.startsWith(`POST http://127.0.0.1:${plain.port}/twirp/livekit.Egress/`)),
    proxy.requests().join('\n'));
});

test('NO_PROXY sends LiveKit calls direct', { timeout }, async () => {
  const before = proxy.requests().length;
  await recordOne(envFor(plain, { HTTP_PROXY: proxy.url(), NO_PROXY: 'localhost,127.0.0.0/8' }), 'direct-no-proxy', plain);
  assert.equal(proxy.requests().length, before, 'the proxy saw none of the calls that recorded the room');
});

// Issue 26: the proxy's answers are named as the proxy's, never as LiveKit's. A 407 is the
// proxy's configuration (not retried), through a CONNECT tunnel or in absolute form alike; a 5xx
// of the proxy (LiveKit unreachable from it) is retried.
for (const [scheme, variable] of [['https', 'HTTPS_PROXY'], ['http', 'HTTP_PROXY']]) {
  test(`wrong proxy credentials in ${variable}: the proxy's refusal, not LiveKit's, not retried, never the password`, { timeout }, async () => {
    const standin = scheme === 'https' ? secure : plain;
    const name = `proxy-refuses-${scheme}`;
    const env = envFor(standin, { [variable]: proxy.url({ password: 'Wr0ng-Pr0xy-Pass' }), ...(scheme === 'https' ? { LIVEKIT_CA_FILE: ca } : {}) });
    const recorder = await startRecorder({ env, secrets: [proxy.password, 'Wr0ng-Pr0xy-Pass'] });
    try {
      await sendEvent(recorder, 'room_started', { room: { name } });
      // log: the line names the proxy and its answer for the operator, never the password
      await recorder.waitForLogLine(new RegExp(`recording not started: the proxy refused the request, check its settings \\(HTTP_PROXY, HTTPS_PROXY, NO_PROXY\\); not retried room=${name} .*code=proxy_40[17] error="the proxy 127\\.0\\.0\\.1:\\d+ \\(${variable}\\) refused the credentials: check the user and password in ${variable}`));
      assert.doesNotMatch(recorder.output, /LiveKit refused/);
      assert.equal(await recorder.metric(RETRIED), 0, 'a 407 is not retried');
      assert.equal(standin.startsFor(name).length, 0);
    } finally {
      await recorder.stop();
    }
  });
}

test('a 5xx of the proxy (LiveKit unreachable from it) is named as the proxy\'s and retried', { timeout }, async () => {
  const closed = await freePort(); // nothing listens: tinyproxy cannot connect and answers 5xx
  const env = { ...envFor(plain, { HTTP_PROXY: proxy.url(), RETRY_INITIAL_DELAY: '100ms', RETRY_MAX_DELAY: '200ms' }), LIVEKIT_HOST: `http://127.0.0.1:${closed}` };
  const recorder = await startRecorder({ env, secrets: [proxy.password] });
  try {
    await sendEvent(recorder, 'room_started', { room: { name: 'proxy-cannot-reach' } });
    await recorder.waitForMetric(RETRIED, {}, 2, 10000);
    // log: the retry names the proxy's answer, not LiveKit's
    await recorder.waitForLogLine(/recording not started yet: retrying room=proxy-cannot-reach .*code=proxy_5\d\d error="the proxy 127\.0\.0\.1:\d+ \(HTTP_PROXY\) answered 5\d\d: it could not reach LiveKit, not LiveKit's Twirp"/);
  } finally {
    await recorder.stop();
  }
});

// Notifications go through the proxy as LiveKit's calls do: a CONNECT tunnel for an https://
// receiver (its certificate verified against notifications[].ca_file), absolute form for http://,
// direct with NO_PROXY. Each delivery verified by the standardwebhooks package.
test('notifications through HTTPS_PROXY and HTTP_PROXY, direct with NO_PROXY', { timeout }, async () => {
  const dir = tempDir();
  const { cert, key } = makeCa(dir)('receiver');
  const secret = newSecret();
  const tls = await new Receiver({ secrets: [secret], tls: { cert: readFileSync(cert), key: readFileSync(key) } }).start();
  const http = await new Receiver({ secrets: [secret] }).start();
  const direct = await new Receiver({ secrets: [secret] }).start();
  const config = `notifications:
  - url: ${tls.url}
    name: tls
    secret: ${secret}
    ca_file: ${join(dir, 'ca.pem')}
  - url: ${http.url}
    name: plain
    secret: ${secret}
  - url: http://localhost:${direct.port}/hooks/recordings
    name: direct
    secret: ${secret}
`;
  const env = envFor(plain, { HTTPS_PROXY: proxy.url(), HTTP_PROXY: proxy.url(), NO_PROXY: 'localhost', LEDGER_PATH: join(dir, 'ledger.db') });
  const recorder = await startRecorder({ env, config, secrets: [proxy.password, secret] });
  try {
    const room = 'notified-through-proxy';
    const { sid } = plain.addRoom(room);
    await sendEvent(recorder, 'room_started', { room: { name: room, sid } });
    const [start] = await recorder.waitForRecorded(plain, room);
    plain.removeRoom(room);
    await sendEvent(recorder, 'egress_ended', { egressInfo: plain.snapshot(start.egressId) });
    for (const receiver of [tls, http, direct]) {
      await recorder.until(() => receiver.accepted("recording.ended").length === 1, `recording.ended at ${receiver.url}`, 10000);
    }
    const requests = proxy.requests();
    assert.ok(requests.includes(`CONNECT 127.0.0.1:${tls.port}`), requests.join('\n'));
    assert.ok(requests.some((r) => r === `POST http://127.0.0.1:${http.port}/hooks/recordings`), requests.join('\n'));
    assert.ok(!requests.some((r) => r.includes(`:${direct.port}`)), 'NO_PROXY: localhost goes direct');
    for (const receiver of [tls, http, direct]) assert.deepEqual(receiver.unverified, []);
  } finally {
    await recorder.stop();
    for (const receiver of [tls, http, direct]) await receiver.stop();
  }
});
