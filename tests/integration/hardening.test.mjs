// The webhook endpoint faces a network: slow clients, floods, oversized headers and replays
// cannot hurt it, and it can serve HTTPS with a certificate reloaded on SIGHUP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import tls from 'node:tls';
import http from 'node:http';
import https from 'node:https';
import { LiveKitStandIn } from './lib/standin.mjs';
import { startRecorder, runToExit, baseEnv, tempDir, freePort, BINARY, FAILED } from './lib/recorder.mjs';
import { eventBody, signBody, post, sendEvent } from './lib/webhooks.mjs';
import { makeCa } from './lib/certs.mjs';
import { exchange } from './lib/raw_http.mjs';
import { sleep, until } from './lib/wait.mjs';

// Each test's own limit, so that a hang names the test (ctest's limit names only the file).
const timeout = 60_000;

let standin;
before(async () => { standin = await new LiveKitStandIn().start(); });
after(async () => { await standin.stop(); });

const OUT_OF_DESCRIPTORS_SUPPRESSIONS = fileURLToPath(new URL('../sanitizer/out-of-descriptors.supp', import.meta.url));
const rssKiB = (pid) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);

// A TCP client that reports when the server closes it.
function rawClient(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.closedAt = null;
    socket.on('close', () => { socket.closedAt = Date.now(); });
    socket.on('error', () => {});
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

test('slow-loris: clients sending headers a byte a second are cut off; a real webhook is answered at once', { timeout }, async () => {
  const recorder = await startRecorder({ env: baseEnv(standin, { HEADER_TIMEOUT: '2s', RECONCILE_INTERVAL: '0' }) });
  try {
    const request = 'POST /webhook-receiver HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nX-Slow: ';
    const slow = await Promise.all(Array.from({ length: 100 }, () => rawClient(recorder.port)));
    const started = Date.now();
    const drip = setInterval(() => {
      for (const socket of slow) if (!socket.destroyed) socket.write(request[Math.min(request.length - 1, Math.floor((Date.now() - started) / 1000))]);
    }, 1000);
    await sleep(500); // pacing: the slow clients settle in before the webhook comes
    const answer = await sendEvent(recorder, 'room_started', { room: { name: 'beside-slowloris' } });
    assert.equal(answer.status, 200);
    assert.ok(answer.ms < 1000, `answered in ${answer.ms.toFixed(0)} ms beside 100 slow clients`);
    await until(() => slow.every((s) => s.closedAt !== null), 'every slow client cut off after HEADER_TIMEOUT', 6000);
    clearInterval(drip);
    const last = Math.max(...slow.map((s) => s.closedAt - started));
    assert.ok(last < 4000, `the last slow client was cut off after ${last} ms`);
    await recorder.waitForRecorded(standin, 'beside-slowloris');
  } finally {
    await recorder.stop();
  }
});

test('a slow body is cut off by BODY_TIMEOUT', { timeout }, async () => {
  const recorder = await startRecorder({ env: baseEnv(standin, { BODY_TIMEOUT: '1s', RECONCILE_INTERVAL: '0' }) });
  try {
    const socket = await rawClient(recorder.port);
    const sent = Date.now();
    socket.write('POST /webhook-receiver HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"ev');
    await until(() => socket.closedAt !== null, 'the slow body cut off', 5000);
    assert.ok(socket.closedAt - sent < 1800, `closed ${socket.closedAt - sent} ms after the body stalled: after the body timeout`);
  } finally {
    await recorder.stop();
  }
});

test('silent connections are dropped after HEADER_TIMEOUT; kept-alive ones get IDLE_TIMEOUT', { timeout }, async () => {
  const recorder = await startRecorder({ env: baseEnv(standin, { HEADER_TIMEOUT: '1s', IDLE_TIMEOUT: '4s', RECONCILE_INTERVAL: '0' }) });
  try {
    const silent = await rawClient(recorder.port);
    const served = await rawClient(recorder.port);
    served.resume(); // read the answer, so the server's close is seen
    const sent = Date.now();
    served.write('GET /livez HTTP/1.1\r\nHost: x\r\n\r\n');
    // Both are closed in the end; when each was closed tells which timeout applied.
    await until(() => silent.closedAt !== null && served.closedAt !== null, 'both connections closed', 8000);
    assert.ok(silent.closedAt - sent < 1800, `a connection that never sent a byte: closed after ${silent.closedAt - sent} ms`);
    assert.ok(served.closedAt - sent >= 1800, `a kept-alive connection that was served: closed after ${served.closedAt - sent} ms, not HEADER_TIMEOUT`);
    assert.ok(served.closedAt - sent < 4800, `closed after IDLE_TIMEOUT: ${served.closedAt - sent} ms`);
  } finally {
    await recorder.stop();
  }
});

// 3000 idle connections (a misbehaving client or a cheap attack) against max_connections 1024:
// the connections idle longest make room, so LiveKit's webhook still gets through; one that is
// in the middle of a request is never the one closed.
test('a flood of idle connections cannot lock LiveKit out: the longest idle make room', { timeout }, async () => {
  const recorder = await startRecorder({ env: baseEnv(standin, { HEADER_TIMEOUT: '60s', RECONCILE_INTERVAL: '0' }) });
  try {
    const busy = await rawClient(recorder.port);
    let busyAnswer = '';
    busy.on('data', (chunk) => { busyAnswer += chunk; });
    busy.write('GET /livez HTTP/1.1\r\nHost: x\r\n'); // a request under way
    const before = rssKiB(recorder.child.pid);
    const flood = [];
    for (let i = 0; i < 3000; i += 1) flood.push(await rawClient(recorder.port).catch(() => null));
    const body = eventBody('room_started', { room: { name: 'beside-the-flood' } });
    const answer = await post(`${recorder.url}/webhook-receiver`, body, { authorization: await signBody(body, recorder.webhookAuth) });
    assert.equal(answer.status, 200, 'the webhook got through');
    assert.ok(answer.ms < 1000, `answered in ${answer.ms.toFixed(0)} ms amid 3000 idle connections`);
    await recorder.waitForRecorded(standin, 'beside-the-flood');
    const metrics = await (await fetch(`${recorder.url}/metrics`)).text();
    const evicted = Number(metrics.match(/auto_recorder_connections_evicted_total (\d+)/)?.[1] ?? 0);
    assert.ok(evicted >= 3000 - 1024, `${evicted} idle connections closed to make room`);
    assert.match(metrics, /reason="too_many_connections"\} 0$/m, 'no newcomer refused');
    const after = rssKiB(recorder.child.pid);
    if (!process.env.ASAN_OPTIONS) assert.ok(after - before < 16 * 1024, `memory grew by ${after - before} KiB`);
    busy.write('\r\n');
    await until(() => busyAnswer.endsWith('ok\n') || busy.closedAt !== null, 'the answer on the connection with a request under way', 2000);
    assert.match(busyAnswer, /^HTTP\/1\.1 200/, 'the connection with a request under way was kept');
    for (const s of flood) s?.destroy();
    busy.destroy();
  } finally {
    await recorder.stop();
  }
});

// Issue 26: a request stalled mid-way holds no place a newcomer needs. Only connections the
// service owes an answer are never closed (the unit test of HttpServer shows that refusal).
test('requests stalled mid-way make room for newcomers, after the idle ones; memory stays bounded', { timeout }, async () => {
  const health = await freePort();
  const recorder = await startRecorder({ env: baseEnv(standin, { MAX_CONNECTIONS: '50', HEADER_TIMEOUT: '30s', RECONCILE_INTERVAL: '0', HEALTH_PORT: String(health) }) });
  try {
    const stalled = [];
    for (let i = 0; i < 50; i += 1) {
      const socket = await rawClient(recorder.port);
      socket.write('GET /livez HTTP/1.1\r\n'); // never finished
      stalled.push(socket);
    }
    const before = rssKiB(recorder.child.pid);
    for (let i = 0; i < 100; i += 1) {
      const { received } = await exchange(recorder.port, 'GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      assert.match(received, /^HTTP\/1\.1 200/, `newcomer ${i} was let in and answered`);
    }
    const metrics = await (await fetch(`http://127.0.0.1:${health}/metrics`)).text();
    assert.match(metrics, /auto_recorder_webhooks_rejected_total\{reason="too_many_connections"\} 0$/m, 'no newcomer refused');
    assert.match(metrics, /auto_recorder_connections_evicted_total [1-9]\d*/);
    await until(() => stalled.some((s) => s.closedAt !== null), 'the stalest request closed to make room');
    if (!process.env.ASAN_OPTIONS) assert.ok(rssKiB(recorder.child.pid) - before < 8 * 1024, 'memory stays bounded');
    for (const s of stalled) s.destroy();
  } finally {
    await recorder.stop();
  }
});

test('out of file descriptors, accept pauses between attempts instead of spinning, and says so once', { timeout }, async () => {
  // 64 descriptors: the listener, the event loops and the API client take about 20.
  const env = baseEnv(standin, { RECONCILE_INTERVAL: '0', HEADER_TIMEOUT: '30s' });
  // Under UBSan, its vptr check needs a descriptor of its own (the file says why).
  if (process.env.UBSAN_OPTIONS) env.UBSAN_OPTIONS = `${process.env.UBSAN_OPTIONS}:suppressions=${OUT_OF_DESCRIPTORS_SUPPRESSIONS}`;
  const recorder = await startRecorder({ env,
    command: ['prlimit', '--nofile=64:64', BINARY] });
  try {
    const clients = [];
    for (let i = 0; i < 120; i += 1) clients.push(await rawClient(recorder.port).catch(() => null));
    // log: the operator is told once that accept fails, and that it pauses, not once per failure
    await recorder.waitForLogLine(/accept failed: pausing new connections/);
    const failingSince = Date.now();
    await sleep(1000); // a second of failing: the rate is what is measured
    for (const c of clients) c?.destroy();
    // log: the line that ends the burst tells the operator how many accepts failed
    const [, failures] = await recorder.waitForLogLine(/accepting connections again failures=(\d+)/);
    const seconds = (Date.now() - failingSince) / 1000;
    // One line per burst of failures: never two "accept failed" without "accepting connections
    // again" between them. (A descriptor freed for a moment, e.g. by a sanitizer's runtime, ends
    // a burst and starts another.)
    const said = recorder.lines(/accept failed|accepting connections again/).map((line) => (/accept failed/.test(line) ? 'failed' : 'again'));
    assert.ok(said.length >= 2 && said[0] === 'failed', said.join(' '));
    for (let i = 1; i < said.length; i += 1) assert.ok(!(said[i] === 'failed' && said[i - 1] === 'failed'), `one line per burst: ${said.join(' ')}`);
    assert.ok(Number(failures) / seconds < 30, `${failures} failed accepts in ${seconds.toFixed(1)} s: it spins`);
    assert.equal((await sendEvent(recorder, 'room_started', { room: { name: 'after-emfile' } })).status, 200);
  } finally {
    await recorder.stop();
  }
});

test('oversized headers get 431', { timeout }, async () => {
  const recorder = await startRecorder({ env: baseEnv(standin, { MAX_HEADER_BYTES: '4096', RECONCILE_INTERVAL: '0' }) });
  try {
    const body = eventBody('room_started', { room: { name: 'big-headers' } });
    const res = await fetch(`${recorder.url}/webhook-receiver`, {
      method: 'POST', body, headers: { Authorization: await signBody(body, recorder.webhookAuth), 'X-Padding': 'p'.repeat(8000) },
    });
    assert.equal(res.status, 431);
    assert.match(await res.text(), /max_header_bytes/);
  } finally {
    await recorder.stop();
  }
});

test('a replayed webhook (same token, same body, still valid) is accepted once and deduped', { timeout }, async () => {
  const recorder = await startRecorder({ env: baseEnv(standin, { RECONCILE_INTERVAL: '0' }) });
  try {
    const body = eventBody('room_started', { room: { name: 'replayed' } });
    const token = await signBody(body, recorder.webhookAuth);
    const first = await post(`${recorder.url}/webhook-receiver`, body, { authorization: token });
    await recorder.waitForRecorded(standin, 'replayed');
    const replay = await post(`${recorder.url}/webhook-receiver`, body, { authorization: token });
    assert.equal(first.status, 200);
    assert.equal(replay.status, 200);
    assert.match(replay.text, /duplicate/);
    await recorder.waitForNoPendingStarts(); // the replay began no start of its own
    assert.equal(standin.startsFor('replayed').length, 1);
  } finally {
    await recorder.stop();
  }
});

function peerCertificate(port, ca, options = {}) {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ port, host: '127.0.0.1', ca, ...options }, () => {
      const cn = socket.getPeerCertificate().subject.CN;
      const protocol = socket.getProtocol();
      socket.end();
      resolve({ cn, protocol });
    });
    socket.on('error', reject);
  });
}

test('HTTPS: serves webhooks over TLS 1.2+, refuses older protocols, reloads the certificate on SIGHUP', { timeout }, async () => {
  const dir = tempDir();
  const issue = makeCa(dir);
  const first = issue('first');
  const second = issue('second');
  const live = { cert: join(dir, 'live.pem'), key: join(dir, 'live.key') };
  copyFileSync(first.cert, live.cert);
  copyFileSync(first.key, live.key);
  const ca = readFileSync(join(dir, 'ca.pem'));
  const recorder = await startRecorder({ env: baseEnv(standin, { TLS_CERT_FILE: live.cert, TLS_KEY_FILE: live.key, RECONCILE_INTERVAL: '0' }) });
  try {
    assert.match(recorder.output, /scheme=https/);
    assert.equal((await peerCertificate(recorder.port, ca)).cn, 'first');
    const body = eventBody('room_started', { room: { name: 'over-https' } });
    const token = await signBody(body, recorder.webhookAuth);
    const agent = new https.Agent({ ca, keepAlive: true, maxSockets: 1 });
    const postTls = () => new Promise((resolve, reject) => {
      const req = https.request({ agent, host: '127.0.0.1', port: recorder.port, method: 'POST', path: '/webhook-receiver',
        headers: { Authorization: token, 'Content-Type': 'application/webhook+json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(await postTls(), 200);
    await until(() => standin.startsFor('over-https').length === 1, 'a recording of over-https'); // /metrics is HTTPS here too

    await assert.rejects(peerCertificate(recorder.port, ca, { maxVersion: 'TLSv1.1', minVersion: 'TLSv1' }));
    assert.match((await peerCertificate(recorder.port, ca)).protocol, /^TLSv1\.[23]$/);

    copyFileSync(second.cert, live.cert);
    copyFileSync(second.key, live.key);
    recorder.child.kill('SIGHUP');
    await until(async () => (await peerCertificate(recorder.port, ca)).cn === 'second', 'new connections get the new certificate');
    assert.equal(await postTls(), 200, 'the connection opened before the reload keeps working');

    writeFileSync(live.key, 'not a key');
    recorder.child.kill('SIGHUP');
    // log: the operator is told the new files were refused and the old certificate still serves
    await recorder.waitForLogLine(/SIGHUP: TLS certificate not reloaded, keeping the current one/);
    assert.equal((await peerCertificate(recorder.port, ca)).cn, 'second');
    agent.destroy();
  } finally {
    await recorder.stop();
  }
});

test('SIGUSR1 and SIGUSR2 are ignored: the recorder keeps serving', { timeout }, async () => {
  const recorder = await startRecorder({ env: baseEnv(standin, { RECONCILE_INTERVAL: '0' }) });
  try {
    for (const signal of ['SIGUSR1', 'SIGUSR2']) {
      recorder.child.kill(signal);
      assert.equal((await fetch(`${recorder.url}/livez`)).status, 200, `alive after ${signal}`);
    }
    const answer = await sendEvent(recorder, 'room_started', { room: { name: 'after-usr-signals' } });
    assert.equal(answer.status, 200);
  } finally {
    assert.equal((await recorder.stop()).code, 0);
  }
});

test('a CR or LF in livekit_host is refused at startup, and not echoed raw', { timeout }, async () => {
  const { code, output } = await runToExit({ env: { LIVEKIT_API_KEY: 'k', LIVEKIT_API_SECRET: 'secret-value-1', S3_BUCKET: 'b',
    LIVEKIT_HOST: 'http://livekit:7880/lk\r\nX-Injected: 1' } });
  assert.equal(code, 1);
  assert.match(output, /livekit_host \(LIVEKIT_HOST\): "http:\/\/livekit:7880\/lk\\r\\nX-Injected: 1" is not a LiveKit URL/);
  assert.doesNotMatch(output, /\r/);
});

test('TLS settings are checked at startup', { timeout }, async () => {
  const dir = tempDir();
  const issue = makeCa(dir);
  const cert = issue('server');
  const other = issue('other');
  const base = { LIVEKIT_API_KEY: 'k', LIVEKIT_API_SECRET: 'secret-value-1', S3_BUCKET: 'b' };
  const half = await runToExit({ env: { ...base, TLS_CERT_FILE: cert.cert } });
  assert.equal(half.code, 1);
  assert.match(half.output, /tls_cert_file \(TLS_CERT_FILE\) and tls_key_file \(TLS_KEY_FILE\) go together/);
  const missing = await runToExit({ env: { ...base, TLS_CERT_FILE: '/nope.pem', TLS_KEY_FILE: cert.key } });
  assert.equal(missing.code, 1);
  assert.match(missing.output, /tls_cert_file \(TLS_CERT_FILE\): \/nope\.pem is not a readable file/);
  const fifo = join(dir, 'key-fifo');
  execFileSync('mkfifo', [fifo]);
  const blocked = await runToExit({ env: { ...base, TLS_CERT_FILE: cert.cert, TLS_KEY_FILE: fifo } });
  assert.equal(blocked.code, 1, 'a FIFO is refused, not waited on');
  assert.match(blocked.output, /tls_key_file \(TLS_KEY_FILE\): .*key-fifo is not a readable file/);
  const mismatch = await runToExit({ env: { ...base, TLS_CERT_FILE: cert.cert, TLS_KEY_FILE: other.key } });
  assert.equal(mismatch.code, 1);
  assert.match(mismatch.output, /tls_key_file .*other\.key cannot be loaded: key values mismatch .*give the PEM private key of tls_cert_file/);
});

test('LIVEKIT_INSECURE_SKIP_VERIFY is explicit and warns at every start', { timeout }, async () => {
  const dir = tempDir();
  const cert = makeCa(dir)('livekit');
  const secure = await new LiveKitStandIn({ tls: { key: readFileSync(cert.key), cert: readFileSync(cert.cert) } }).start();
  try {
    for (let run = 0; run < 2; run += 1) {
      const recorder = await startRecorder({ env: baseEnv(secure, { LIVEKIT_INSECURE_SKIP_VERIFY: 'true', RECONCILE_INTERVAL: '0' }) });
      try {
        assert.match(recorder.output, /livekit_insecure_skip_verify is on: LiveKit's TLS certificate is NOT verified/);
        await sendEvent(recorder, 'room_started', { room: { name: `insecure-${run}` } });
        await recorder.waitForRecorded(secure, `insecure-${run}`);
      } finally {
        await recorder.stop();
      }
    }
  } finally {
    await secure.stop();
  }
});

test('a redirect from the LiveKit address is not followed: the token never reaches another host', { timeout }, async () => {
  const seenByOther = [];
  const other = http.createServer((req, res) => { seenByOther.push(req.headers.authorization); res.end('{}'); });
  await new Promise((r) => other.listen(0, '127.0.0.1', r));
  const redirector = http.createServer((req, res) => {
    res.writeHead(307, { Location: `http://127.0.0.1:${other.address().port}${req.url}` });
    res.end();
  });
  await new Promise((r) => redirector.listen(0, '127.0.0.1', r));
  const env = baseEnv(standin, { LIVEKIT_HOST: `http://127.0.0.1:${redirector.address().port}`, RECONCILE_INTERVAL: '0' });
  const recorder = await startRecorder({ env });
  try {
    await sendEvent(recorder, 'room_started', { room: { name: 'redirected' } });
    await recorder.waitForMetric(FAILED, { code: 'http_error' }, 1); // a 307 is an answer, not followed
    assert.deepEqual(seenByOther, [], 'the redirect target saw no request');
  } finally {
    await recorder.stop();
    redirector.close();
    other.close();
  }
});
