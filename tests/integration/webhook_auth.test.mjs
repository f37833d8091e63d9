// The webhook endpoint verifies exactly as livekit-server signs, and answers every bad request
// with a 4xx and a short reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { LiveKitStandIn } from './lib/standin.mjs';
import { startRecorder, baseEnv } from './lib/recorder.mjs';
import { eventBody, signBody, customToken, sha256, post, sendEvent } from './lib/webhooks.mjs';

// Each test's own limit, so that a hang names the test (ctest's limit names only the file).
const timeout = 60_000;

let standin;
let recorder;
let endpoint;

before(async () => {
  standin = await new LiveKitStandIn().start();
  recorder = await startRecorder({ env: baseEnv(standin, { MAX_BODY_BYTES: '65536' }) });
  endpoint = `${recorder.url}/webhook-receiver`;
});

after(async () => {
  await recorder.stop();
  await standin.stop();
});

const now = () => Math.floor(Date.now() / 1000);
const roomStarted = (name) => eventBody('room_started', { room: { name } });

test('a webhook signed as livekit-server signs it (bare token) starts a recording', { timeout }, async () => {
  const res = await sendEvent(recorder, 'room_started', { room: { name: 'auth-bare' } });
  assert.equal(res.status, 200);
  await recorder.waitForRecorded(standin, 'auth-bare');
  assert.equal(standin.startsFor('auth-bare').length, 1);
});

test('a "Bearer " prefixed token is accepted too', { timeout }, async () => {
  const res = await sendEvent(recorder, 'room_started', { room: { name: 'auth-bearer' }, bearer: true });
  assert.equal(res.status, 200);
  await recorder.waitForRecorded(standin, 'auth-bearer');
});

test('a token signed with another secret is refused with 401', { timeout }, async () => {
  const body = roomStarted('auth-bad-signature');
  const token = await signBody(body, { apiKey: standin.apiKey, apiSecret: 'not-the-secret' });
  const res = await post(endpoint, body, { authorization: token });
  assert.equal(res.status, 401);
  assert.match(res.text, /signature/);
});

test('a token issued for another api key is refused with 401', { timeout }, async () => {
  const body = roomStarted('auth-wrong-key');
  const token = await signBody(body, { apiKey: 'APIsomeoneelse', apiSecret: standin.apiSecret });
  const res = await post(endpoint, body, { authorization: token });
  assert.equal(res.status, 401);
  assert.match(res.text, /api key/);
});

test('an expired token is refused with 401, but 60 s of clock skew is tolerated', { timeout }, async () => {
  const body = roomStarted('auth-expired');
  const claims = { iss: standin.apiKey, sha256: sha256(body) };
  const expired = await customToken({ ...claims, nbf: now() - 600, exp: now() - 120 }, standin.apiSecret);
  const res = await post(endpoint, body, { authorization: expired });
  assert.equal(res.status, 401);
  assert.match(res.text, /expired/);

  const skewed = await customToken({ ...claims, nbf: now() - 600, exp: now() - 30 }, standin.apiSecret);
  assert.equal((await post(endpoint, body, { authorization: skewed })).status, 200);
  const early = await customToken({ ...claims, nbf: now() + 30, exp: now() + 330 }, standin.apiSecret);
  assert.equal((await post(endpoint, roomStarted('auth-early'), { authorization: early })).status, 401,
    'the early token was signed for another body');
});

test('a token not valid before a time beyond the leeway is refused with 401', { timeout }, async () => {
  const body = roomStarted('auth-future');
  const token = await customToken({ iss: standin.apiKey, sha256: sha256(body), nbf: now() + 300, exp: now() + 600 }, standin.apiSecret);
  const res = await post(endpoint, body, { authorization: token });
  assert.equal(res.status, 401);
  assert.match(res.text, /not valid yet/);
});

test('a token without exp is refused with 401', { timeout }, async () => {
  const body = roomStarted('auth-no-exp');
  const token = await customToken({ iss: standin.apiKey, sha256: sha256(body) }, standin.apiSecret);
  const res = await post(endpoint, body, { authorization: token });
  assert.equal(res.status, 401);
  assert.match(res.text, /expiry/);
});

test('exp and nbf that are not whole seconds in a sane range are refused with 401', { timeout }, async () => {
  for (const [name, times] of [
    ['exp 1e308 (valid forever)', { exp: 1e308 }],
    ['exp 2^63', { exp: 2 ** 63 }],
    ['a fractional exp', { exp: now() + 300.5 }],
    ['nbf as a string', { nbf: String(now() - 10), exp: now() + 300 }],
  ]) {
    const body = roomStarted(`auth-times-${name.length}`);
    const token = await customToken({ iss: standin.apiKey, sha256: sha256(body), ...times }, standin.apiSecret);
    const res = await post(endpoint, body, { authorization: token });
    assert.equal(res.status, 401, name);
    assert.match(res.text, /exp and nbf must be whole seconds/, name);
  }
});

test('a token with another algorithm is refused with 401', { timeout }, async () => {
  const body = roomStarted('auth-hs512');
  const token = await customToken({ iss: standin.apiKey, sha256: sha256(body), exp: now() + 300 }, standin.apiSecret, { alg: 'HS512' });
  const res = await post(endpoint, body, { authorization: token });
  assert.equal(res.status, 401);
  assert.match(res.text, /HS256/);
  const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: standin.apiKey, sha256: sha256(body), exp: now() + 300 })).toString('base64url')}.`;
  assert.equal((await post(endpoint, body, { authorization: none })).status, 401);
});

test('a tampered body (signed for other bytes) is refused with 401', { timeout }, async () => {
  const body = roomStarted('auth-tampered');
  const token = await signBody(body, standin);
  const res = await post(endpoint, body.replace('auth-tampered', 'auth-tampere2'), { authorization: token });
  assert.equal(res.status, 401);
  assert.match(res.text, /sha256/);
  assert.equal(standin.startsFor('auth-tampere2').length, 0);
});

test('re-serialized JSON with the same meaning is refused: the hash is over the raw bytes', { timeout }, async () => {
  const body = roomStarted('auth-reserialized');
  const token = await signBody(body, standin);
  const res = await post(endpoint, JSON.stringify(JSON.parse(body), null, 2), { authorization: token });
  assert.equal(res.status, 401);
});

test('a missing or garbage Authorization header is refused with 401', { timeout }, async () => {
  const body = roomStarted('auth-missing');
  assert.equal((await post(endpoint, body)).status, 401);
  assert.equal((await post(endpoint, body, { authorization: 'Bearer ' })).status, 401);
  assert.equal((await post(endpoint, body, { authorization: 'not.a.jwt' })).status, 401);
  assert.equal((await post(endpoint, body, { authorization: '%%%.###.$$$' })).status, 401);
});

test('a correctly signed body that is not JSON is refused with 400', { timeout }, async () => {
  const body = '{"event": "room_started", "room": ';
  const res = await post(endpoint, body, { authorization: await signBody(body, standin) });
  assert.equal(res.status, 400);
  assert.match(res.text, /not JSON/);
});

test('a correctly signed body that is not a WebhookEvent is refused with 400', { timeout }, async () => {
  for (const body of ['[1,2,3]', '{"event": 5}', '{"event":"room_started","room":"x"}', '{"event":"room_started"}']) {
    const res = await post(endpoint, body, { authorization: await signBody(body, standin) });
    assert.equal(res.status, 400, body);
  }
});

test('a body over max_body_bytes is refused with 413 before it is read', { timeout }, async () => {
  const body = JSON.stringify({ event: 'participant_joined', padding: 'x'.repeat(70000) });
  const res = await post(endpoint, body, { authorization: await signBody(body, standin) });
  assert.equal(res.status, 413);
  assert.match(res.text, /max_body_bytes/);
});

test('other methods on the webhook path get 405 with Allow: POST; other paths get 404', { timeout }, async () => {
  const get = await post(endpoint, '', { method: 'GET' });
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');
  assert.equal((await post(endpoint, '{}', { method: 'PUT' })).status, 405);
  assert.equal((await post(`${recorder.url}/webhook`, '{}')).status, 404);
});

test('unknown events and unknown fields are accepted with 200 and start nothing', { timeout }, async () => {
  const before = standin.egresses.length;
  const body = JSON.stringify({ event: 'agent_job_started', id: 'EV_x', somethingNew: { a: 1 }, createdAt: '1692985556' });
  const res = await post(endpoint, body, { authorization: await signBody(body, standin) });
  assert.equal(res.status, 200);
  const withNewField = JSON.stringify({ event: 'room_started', id: 'EV_y', room: { name: 'auth-new-field', sid: 'RM_y', fancy: true }, brandNew: [1] });
  assert.equal((await post(endpoint, withNewField, { authorization: await signBody(withNewField, standin) })).status, 200);
  await recorder.waitForRecorded(standin, 'auth-new-field');
  assert.equal(standin.egresses.length, before + 1);
});

test('rejections never echo the secret', { timeout }, () => {
  assert.ok(!recorder.output.includes(standin.apiSecret));
});
