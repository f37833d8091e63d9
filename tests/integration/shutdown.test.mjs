// SIGTERM and SIGINT: stop accepting, let in-flight egress calls finish (bounded), exit 0.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { LiveKitStandIn } from './lib/standin.mjs';
import { startRecorder, baseEnv, refused } from './lib/recorder.mjs';
import http from 'node:http';
import { sendEvent, eventBody, signBody } from './lib/webhooks.mjs';
import { until } from './lib/wait.mjs';

// Each test's own limit, so that a hang names the test (ctest's limit names only the file).
const timeout = 60_000;

let standin;
before(async () => { standin = await new LiveKitStandIn().start(); });
after(async () => { await standin.stop(); });

// The recorder's StartRoomCompositeEgress for `room` has reached the stand-in (which holds it for
// the injected delay): the call is in flight.
const startReached = (room) => until(() => standin.startRequests().some((r) => r.roomName === room),
  `StartRoomCompositeEgress for ${room} at the stand-in`);

// The first signal has been handled: the listener is closed (after the recorder stopped taking
// new work), while the call in flight keeps the process draining.
async function closed(recorder) {
  await recorder.until(() => refused(recorder.port), 'the listener closed');
  assert.equal(recorder.child.exitCode, null, 'still draining');
}

test('SIGTERM when idle exits 0 at once', { timeout }, async () => {
  const recorder = await startRecorder({ env: baseEnv(standin) });
  const started = Date.now();
  const { code } = await recorder.stop('SIGTERM');
  assert.equal(code, 0);
  assert.ok(Date.now() - started < 2000);
  assert.match(recorder.output, /shutting down: no longer accepting webhooks signal=15/);
  assert.match(recorder.output, /stopped/);
});

test('SIGINT exits 0 too', { timeout }, async () => {
  const recorder = await startRecorder({ env: baseEnv(standin) });
  assert.equal((await recorder.stop('SIGINT')).code, 0);
  assert.match(recorder.output, /signal=2/);
});

test('an egress call in flight at SIGTERM finishes before the process exits', { timeout }, async () => {
  const recorder = await startRecorder({ env: baseEnv(standin) });
  standin.inject({ method: 'StartRoomCompositeEgress', delayMs: 1500 });
  assert.equal((await sendEvent(recorder, 'room_started', { room: { name: 'drain-me' } })).status, 200);
  await startReached('drain-me');
  const { code } = await recorder.stop('SIGTERM');
  assert.equal(code, 0);
  assert.match(recorder.output, /calls_in_flight=1/);
  // The answer was taken in before the exit: with the process gone, its log is all that says so.
  assert.match(recorder.output, /recording started room=drain-me/);
  assert.equal(standin.startsFor('drain-me').length, 1);
});

test('after SIGTERM no new connection is accepted', { timeout }, async () => {
  const recorder = await startRecorder({ env: baseEnv(standin) });
  standin.inject({ method: 'StartRoomCompositeEgress', delayMs: 1500 });
  await sendEvent(recorder, 'room_started', { room: { name: 'drain-closed' } });
  await startReached('drain-closed');
  recorder.child.kill('SIGTERM');
  await closed(recorder); // refused while the call in flight drains
  assert.equal((await recorder.stop()).code, 0);
});

test('the drain is bounded by SHUTDOWN_TIMEOUT', { timeout }, async () => {
  const recorder = await startRecorder({ env: baseEnv(standin, { SHUTDOWN_TIMEOUT: '1s' }) });
  standin.inject({ method: 'StartRoomCompositeEgress', delayMs: 8000 });
  await sendEvent(recorder, 'room_started', { room: { name: 'too-slow' } });
  await startReached('too-slow');
  const started = Date.now();
  const { code } = await recorder.stop('SIGTERM');
  const took = Date.now() - started;
  assert.equal(code, 0);
  assert.ok(took >= 900 && took < 4000, `took ${took} ms`);
  assert.match(recorder.output, /shutdown timeout reached: abandoning calls still in flight calls=1/);
});

test('a second signal stops at once', { timeout }, async () => {
  const recorder = await startRecorder({ env: baseEnv(standin, { SHUTDOWN_TIMEOUT: '30s' }) });
  standin.inject({ method: 'StartRoomCompositeEgress', delayMs: 8000 });
  await sendEvent(recorder, 'room_started', { room: { name: 'impatient' } });
  await startReached('impatient');
  recorder.child.kill('SIGTERM');
  await closed(recorder);
  const started = Date.now();
  const { code } = await recorder.stop('SIGTERM');
  assert.equal(code, 0);
  assert.ok(Date.now() - started < 3000);
  assert.match(recorder.output, /second signal: stopping now/);
});

// One POST over a kept-alive connection of `agent`.
function postOn(agent, port, body, token) {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, port, host: '127.0.0.1', method: 'POST', path: '/webhook-receiver',
      headers: { Authorization: token, 'Content-Type': 'application/webhook+json' } }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, text, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('while draining, room_started on an open connection gets 503 so LiveKit retries elsewhere', { timeout }, async () => {
  const recorder = await startRecorder({ env: baseEnv(standin) });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  standin.inject({ method: 'StartRoomCompositeEgress', delayMs: 1500 });
  const first = eventBody('room_started', { room: { name: 'before-sigterm' } });
  assert.equal((await postOn(agent, recorder.port, first, await signBody(first, recorder.webhookAuth))).status, 200);
  await startReached('before-sigterm');
  recorder.child.kill('SIGTERM');
  await closed(recorder); // a new connection is refused; the kept-alive one stays open
  const late = eventBody('room_started', { room: { name: 'after-sigterm' } });
  const answer = await postOn(agent, recorder.port, late, await signBody(late, recorder.webhookAuth));
  assert.equal(answer.status, 503);
  assert.match(answer.text, /shutting down/);
  assert.equal(answer.connection, 'close');
  assert.equal((await recorder.stop()).code, 0);
  assert.equal(standin.startsFor('after-sigterm').length, 0);
  agent.destroy();
});
