// A verified room_started becomes exactly the StartRoomCompositeEgress the configuration asks
// for, and the webhook answer never waits for LiveKit's API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { LiveKitStandIn } from './lib/standin.mjs';
import { startRecorder, baseEnv, tempDir, freePort, RETRIED, FAILED } from './lib/recorder.mjs';
import { sendEvent } from './lib/webhooks.mjs';
import { until } from './lib/wait.mjs';
import { EncodedFileType } from '@livekit/protocol';

// Each test's own limit, so that a hang names the test (ctest's limit names only the file).
const timeout = 60_000;

let standin;
before(async () => { standin = await new LiveKitStandIn().start(); });
after(async () => {
  assert.deepEqual(standin.strictErrors, [], 'every request must parse strictly');
  await standin.stop();
});

// Rooms LiveKit lists while a test runs, closed when its recorder stops.
const liveRooms = new Set();

async function withRecorder(options, body) {
  const recorder = await startRecorder(options);
  try {
    return await body(recorder);
  } finally {
    await recorder.stop();
    for (const name of liveRooms) standin.removeRoom(name);
    liveRooms.clear();
  }
}

// room_started for a room LiveKit lists, as a real one is. A test whose start is retried or slow
// needs it: the first reconcile pass would otherwise close the session as gone (correctly: the
// stand-in does not list the room), and a retry stops for a room that finished.
function startLiveRoom(recorder, name) {
  const room = standin.addRoom(name);
  liveRooms.add(name);
  return sendEvent(recorder, 'room_started', { room: { name: room.name, sid: room.sid } });
}

test('defaults: grid layout, MP4, recordings/{room_name}-{time}, token with roomRecord', { timeout }, async () => {
  await withRecorder({ env: baseEnv(standin) }, async (recorder) => {
    await sendEvent(recorder, 'room_started', { room: { name: 'defaults' } });
    await recorder.waitForRecorded(standin, 'defaults');
    const call = standin.calls.find((c) => c.method === 'StartRoomCompositeEgress' && c.request?.roomName === 'defaults');
    assert.match(call.headers.authorization, /^Bearer /);
    assert.equal(call.claims.iss, standin.apiKey);
    assert.equal(call.claims.video.roomRecord, true);
    assert.equal(call.headers['content-type'], 'application/json');
    assert.equal(call.request.layout, 'grid');
    assert.equal(call.request.fileOutputs[0].fileType, EncodedFileType.MP4);
    assert.equal(call.request.fileOutputs[0].filepath, 'recordings/{room_name}-{time}');
    const { egressId } = standin.startsFor('defaults')[0];
    // log: README's "Verify it works" has the operator grep this line for the room and egress
    await recorder.waitForLogLine(new RegExp(`recording started room=defaults room_sid=RM_\\w+ egress_id=${egressId}`));
  });
});

test('LAYOUT, FILE_TYPE and FILE_PATH reach the request', { timeout }, async () => {
  await withRecorder({ env: baseEnv(standin, { LAYOUT: 'speaker-dark', FILE_TYPE: 'ogg', FILE_PATH: 'audio/{room_name}/{utc}' }) }, async (recorder) => {
    await sendEvent(recorder, 'room_started', { room: { name: 'settings' } });
    await recorder.waitForRecorded(standin, 'settings');
    const [request] = standin.startRequests().filter((r) => r.roomName === 'settings');
    assert.equal(request.layout, 'speaker-dark');
    assert.equal(request.fileOutputs[0].fileType, EncodedFileType.OGG);
    assert.equal(request.fileOutputs[0].filepath, 'audio/{room_name}/{utc}');
  });
  await withRecorder({ env: baseEnv(standin, { FILE_TYPE: 'MP3' }) }, async (recorder) => {
    await sendEvent(recorder, 'room_started', { room: { name: 'mp3' } });
    await recorder.waitForRecorded(standin, 'mp3');
    assert.equal(standin.startRequests().find((r) => r.roomName === 'mp3').fileOutputs[0].fileType, EncodedFileType.MP3);
  });
});

test('LIVEKIT_HOST given as the ws:// URL clients use is called over http://', { timeout }, async () => {
  const env = baseEnv(standin, { LIVEKIT_HOST: `ws://127.0.0.1:${standin.port}` });
  await withRecorder({ env }, async (recorder) => {
    await sendEvent(recorder, 'room_started', { room: { name: 'ws-host' } });
    await recorder.waitForRecorded(standin, 'ws-host');
    assert.match(recorder.output, new RegExp(`livekit=http://127.0.0.1:${standin.port}`));
  });
});

test('PORT chooses the listening port', { timeout }, async () => {
  const port = String(await freePort());
  await withRecorder({ env: baseEnv(standin, { PORT: port }) }, async (recorder) => {
    assert.equal(recorder.port, Number(port));
    assert.match(recorder.output, new RegExp(`port=${port}`));
    assert.equal((await fetch(`http://127.0.0.1:${port}/livez`)).status, 200);
  });
});

test('CONFIG_FILE names the YAML file; listen_port and layout come from it', { timeout }, async () => {
  const dir = tempDir();
  const path = join(dir, 'from-env.yaml');
  const port = await freePort();
  writeFileSync(path, `listen_port: "${port}"\nlayout: single-speaker\nstorage:\n  s3:\n    bucket: cf\n`);
  // PORT set but empty counts as unset (as in a Kubernetes manifest with value: ''), so listen_port wins.
  const env = { LIVEKIT_HOST: standin.url, LIVEKIT_API_KEY: standin.apiKey, LIVEKIT_API_SECRET: standin.apiSecret, CONFIG_FILE: path, PORT: '' };
  await withRecorder({ env }, async (r) => {
    assert.match(r.output, new RegExp(`port=${port} `));
    assert.match(r.output, /config=.*from-env\.yaml \+ environment/);
    const res = await fetch(`http://127.0.0.1:${port}/webhook-receiver`, { method: 'GET' });
    assert.equal(res.status, 405);
  });
});

test('WEBHOOK_API_KEY with WEBHOOK_API_SECRET: webhooks must be signed with that key', { timeout }, async () => {
  const env = baseEnv(standin, { WEBHOOK_API_KEY: 'APIwebhooks', WEBHOOK_API_SECRET: 'webhook-secret-abcdef' });
  await withRecorder({ env }, async (recorder) => {
    assert.equal((await sendEvent(recorder, 'room_started', { room: { name: 'wh-key' } })).status, 200);
    await recorder.waitForRecorded(standin, 'wh-key');
    const signedWithApiKey = { ...recorder, webhookAuth: { apiKey: standin.apiKey, apiSecret: standin.apiSecret } };
    assert.equal((await sendEvent(signedWithApiKey, 'room_started', { room: { name: 'wh-wrong' } })).status, 401);
  });
});

test('LIVEKIT_API_KEY/SECRET sign the API calls: a wrong secret fails the start and says why', { timeout }, async () => {
  const env = baseEnv(standin, { LIVEKIT_API_SECRET: 'wrong-secret', WEBHOOK_API_KEY: standin.apiKey, WEBHOOK_API_SECRET: standin.apiSecret });
  await withRecorder({ env }, async (recorder) => {
    assert.equal((await sendEvent(recorder, 'room_started', { room: { name: 'bad-api-secret' } })).status, 200);
    await recorder.waitForMetric(FAILED, { code: 'unauthenticated' }, 1);
    // log: the error tells the operator which call LiveKit refused, and to check the configuration
    await recorder.waitForLogLine(/recording not started: LiveKit refused the request, check the configuration; not retried room=bad-api-secret room_sid=RM_\w+ call=ListEgress code=unauthenticated/);
    assert.equal(standin.startsFor('bad-api-secret').length, 0);
    assert.ok(!recorder.output.includes('wrong-secret'));
  });
});

test('non-ASCII room names are recorded under their exact name', { timeout }, async () => {
  const names = ['Sprechstunde Zürich', '数学课 3B', 'клас-7', 'salle 🎓 "quoted"'];
  await withRecorder({ env: baseEnv(standin) }, async (recorder) => {
    for (const name of names) {
      assert.equal((await sendEvent(recorder, 'room_started', { room: { name } })).status, 200);
    }
    await standin.waitForStarts(standin.egresses.length); // settle
    for (const name of names) {
      await until(() => standin.startsFor(name).length > 0, `a recording of ${name}`);
      assert.equal(standin.startsFor(name).length, 1, name);
    }
    // log: a name with quotes is quoted and escaped in the operator's log, not cut short
    await recorder.waitForLogLine(/recording started room="salle 🎓 \\"quoted\\""/);
  });
});

test('a slow API (3 s per call) does not delay the webhook answer', { timeout }, async () => {
  await withRecorder({ env: baseEnv(standin) }, async (recorder) => {
    standin.inject({ method: 'StartRoomCompositeEgress', times: 3, delayMs: 3000 });
    const answers = await Promise.all(['slow-1', 'slow-2', 'slow-3'].map((name) => startLiveRoom(recorder, name)));
    for (const answer of answers) {
      assert.equal(answer.status, 200);
      assert.ok(answer.ms < 500, `answered in ${answer.ms.toFixed(0)} ms`);
    }
    for (const name of ['slow-1', 'slow-2', 'slow-3']) await recorder.waitForRecorded(standin, name, { timeoutMs: 8000 });
  });
});

test('an API failure is logged with the room, Twirp code and message', { timeout }, async () => {
  await withRecorder({ env: baseEnv(standin, { RETRY_INITIAL_DELAY: '100ms' }) }, async (recorder) => {
    standin.inject({ method: 'StartRoomCompositeEgress', status: 503, code: 'unavailable', msg: 'no response from servers' });
    assert.equal((await startLiveRoom(recorder, 'busy-fleet')).status, 200);
    // log: the warning gives the operator the room, the call, Twirp's code and message
    await recorder.waitForLogLine(/recording not started yet: retrying room=busy-fleet room_sid=RM_\w+ call=StartRoomCompositeEgress code=unavailable error="no response from servers" retry_in=100ms retry=1/);
    await recorder.waitForRecorded(standin, 'busy-fleet');
    assert.equal(standin.callsFor('StartRoomCompositeEgress', 'busy-fleet').length, 2, 'retried once');
    assert.equal(await recorder.metric(RETRIED, { code: 'unavailable' }), 1);
  });
});

test('an unreachable LiveKit is logged as a connection error', { timeout }, async () => {
  const env = baseEnv(standin, { LIVEKIT_HOST: `http://127.0.0.1:${await freePort()}` });
  await withRecorder({ env }, async (recorder) => {
    assert.equal((await sendEvent(recorder, 'room_started', { room: { name: 'nobody-home' } })).status, 200);
    await recorder.waitForMetric(RETRIED, { code: 'connection_error' }, 1);
    // log: the warning tells the operator LiveKit cannot be reached
    await recorder.waitForLogLine(/recording not started yet: retrying room=nobody-home .*code=connection_error/);
  });
});

test('LOG_FORMAT=json writes one JSON object per line', { timeout }, async () => {
  await withRecorder({ env: baseEnv(standin, { LOG_FORMAT: 'json' }) }, async (recorder) => {
    await sendEvent(recorder, 'room_started', { room: { name: 'json "log" room' } });
    // log: the format of the log is the behaviour. Only whole lines are read (output arrives in
    // chunks), each of which must parse; the one of the start is waited for by its msg.
    const parsed = () => recorder.output.split('\n').slice(0, -1).map((line) => JSON.parse(line));
    await recorder.until(() => parsed().some((l) => l.msg === 'recording started'), 'the JSON line of the start');
    const lines = parsed();
    assert.ok(lines.length >= 2);
    const started = lines.find((l) => l.msg === 'recording started');
    assert.equal(started.room, 'json "log" room');
    assert.match(started.egress_id, /^EG_/);
    assert.equal(started.level, 'info');
    assert.ok(!Number.isNaN(Date.parse(started.ts)));
  });
});

test('the seed README\'s YAML example works as written (with this LiveKit\'s address and keys)', { timeout }, async () => {
  const config = `
# LiveKit server configuration
livekit_host: "${standin.url}"
livekit_api_key: "${standin.apiKey}"
livekit_api_secret: "${standin.apiSecret}"
webhook_api_key: "${standin.apiKey}"

# Server configuration
listen_port: "8080"
layout: "grid-16"
file_type: "MP4"
file_path: "recordings/{room_name}-{time}"

# Choose one storage provider
storage:
  s3:
    bucket: "my-recordings-bucket"
    region: "us-east-1"
    # access_key and secret can be omitted if using IAM roles
`;
  await withRecorder({ config }, async (recorder) => {
    recorder.webhookAuth = { apiKey: standin.apiKey, apiSecret: standin.apiSecret }; // from the YAML
    await sendEvent(recorder, 'room_started', { room: { name: 'seed-yaml' } });
    await recorder.waitForRecorded(standin, 'seed-yaml');
    const request = standin.startRequests().find((r) => r.roomName === 'seed-yaml');
    assert.equal(request.layout, 'grid-16');
    assert.equal(request.fileOutputs[0].output.value.bucket, 'my-recordings-bucket');
    assert.equal(request.fileOutputs[0].output.value.region, 'us-east-1');
  });
});

test('API_REQUEST_TIMEOUT bounds a call: a hung LiveKit is reported as deadline_exceeded', { timeout }, async () => {
  await withRecorder({ env: baseEnv(standin, { API_REQUEST_TIMEOUT: '1s' }) }, async (recorder) => {
    standin.inject({ method: 'StartRoomCompositeEgress', delayMs: 4000 });
    // Listed by ListRooms, as LiveKit lists a room it sent room_started for: otherwise a reconcile
    // pass closes the session as gone, and the hung start is not retried.
    const room = standin.addRoom('hung-api');
    await sendEvent(recorder, 'room_started', { room: { name: room.name, sid: room.sid } });
    try {
      await recorder.waitForMetric(RETRIED, { code: 'deadline_exceeded' }, 1, 4000);
      assert.equal(await recorder.metric('auto_recorder_livekit_api_calls_total', { method: 'StartRoomCompositeEgress', outcome: 'deadline_exceeded' }), 1);
    } finally {
      standin.removeRoom(room.name);
    }
  });
});

// A CA and a LiveKit certificate it signed for 127.0.0.1, made fresh for this run.
function makeCertificates() {
  const dir = tempDir();
  const file = (name) => join(dir, name);
  const run = (args) => execFileSync('openssl', args, { stdio: 'ignore' });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=test-ca',
    '-keyout', file('ca.key'), '-out', file('ca.pem')]);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=livekit', '-keyout', file('lk.key'), '-out', file('lk.csr')]);
  writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  run(['x509', '-req', '-in', file('lk.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
    '-days', '1', '-extfile', file('san.ext'), '-out', file('lk.pem')]);
  return { ca: file('ca.pem'), key: readFileSync(file('lk.key')), cert: readFileSync(file('lk.pem')) };
}

test('https:// LiveKit: certificates are verified; LIVEKIT_CA_FILE trusts a private CA', { timeout }, async () => {
  const certs = makeCertificates();
  const secure = await new LiveKitStandIn({ tls: { key: certs.key, cert: certs.cert } }).start();
  try {
    await withRecorder({ env: baseEnv(secure) }, async (recorder) => {
      await sendEvent(recorder, 'room_started', { room: { name: 'untrusted-cert' } });
      await recorder.waitForMetric(RETRIED, { code: 'connection_error' }, 1);
      // log: the warning tells the operator it is the certificate that failed
      await recorder.waitForLogLine(/recording not started yet: retrying room=untrusted-cert .*code=connection_error error=".*certificate/);
      assert.equal(secure.egresses.length, 0);
    });
    await withRecorder({ env: baseEnv(secure, { LIVEKIT_CA_FILE: certs.ca }) }, async (recorder) => {
      await sendEvent(recorder, 'room_started', { room: { name: 'trusted-cert' } });
      await recorder.waitForRecorded(secure, 'trusted-cert');
      assert.equal(secure.startsFor('trusted-cert').length, 1);
    });
    await withRecorder({ env: baseEnv(secure, { LIVEKIT_CA_FILE: certs.ca, LIVEKIT_HOST: secure.url.replace('https', 'wss') }) }, async (recorder) => {
      await sendEvent(recorder, 'room_started', { room: { name: 'wss-host' } });
      await recorder.waitForRecorded(secure, 'wss-host');
    });
  } finally {
    await secure.stop();
  }
});

test('a file path without {time} or {utc} starts, with a warning about overwrites', { timeout }, async () => {
  await withRecorder({ env: baseEnv(standin, { FILE_PATH: 'recordings/{room_name}' }) }, async (recorder) => {
    assert.match(recorder.output, /file_path "recordings\/\{room_name\}" has neither \{time\} nor \{utc\}/);
  });
  await withRecorder({ env: baseEnv(standin, { FILE_PATH: 'recordings/{room_name}-{utc}' }) }, async (recorder) => {
    assert.doesNotMatch(recorder.output, /has neither/);
  });
});
