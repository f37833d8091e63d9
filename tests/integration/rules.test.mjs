// Recording policy: rules decide which rooms are recorded and how. Every request goes to the
// stand-in, which parses it with @livekit/protocol in strict mode, so each output, preset and
// encoding option below is checked against LiveKit's own schema.
import { test, before, after } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { EncodedFileType, EncodingOptionsPreset, StreamProtocol, VideoCodec } from '@livekit/protocol';
import { LiveKitStandIn } from './lib/standin.mjs';
import { startRecorder, runToExit, baseEnv, STARTED, SKIPPED } from './lib/recorder.mjs';
import { sendEvent } from './lib/webhooks.mjs';

// Each test's own limit, so that a hang names the test (ctest's limit names only the file).
const timeout = 60_000;

const STREAM_KEY = 'live_stream_key_9f8e7d6c';
const AZURE_KEY = 'azure-account-key-0123456789';
const GCP_JSON = '{"type": "service_account", "private_key": "gcp-private-key-abcdef"}';
const SECRETS = [STREAM_KEY, AZURE_KEY, 'gcp-private-key-abcdef'];

// A school, a call center and two tenants in one policy.
const POLICY = `
storage:
  s3: {bucket: main-recordings, region: eu-west-1}
storages:
  archive:
    gcp:
      credentials_json: '${GCP_JSON}'
      bucket: cold-archive
  acme:
    azure: {account_name: acmerec, account_key: ${AZURE_KEY}, container_name: acme}
rules:
  - name: lobby
    match: {room: lobby}
    record: false
  - name: opted-out
    match: {metadata: {record: false}}
    record: false
  - name: phone
    match: {room_regex: "phone-[0-9]+"}
    audio_only: true
    file_type: OGG
    file_path: "calls/{room_name}-{utc}"
  - name: classes
    match: {room: "class-*"}
    preset: H264_1080P_30
    segments:
      filename_prefix: "classes/{room_name}/seg"
      playlist_name: index.m3u8
      live_playlist_name: live.m3u8
      segment_duration: 6
      storage: archive
    images: {capture_interval: 30, width: 320, height: 180, filename_prefix: "thumbs/{room_name}", storage: archive}
  - name: webinar
    match: {room: "webinar-*"}
    file: false
    stream: {urls: ["rtmps://live.example.com/app/\${STREAM_KEY}"]}
  - name: acme
    match: {metadata: {tenant: acme}}
    file_storage: acme
    file_path: "acme/{room_name}-{time}"
    advanced: {width: 1280, height: 720, framerate: 25, video_codec: H264_HIGH, key_frame_interval: 2.5}
`;

let standin;
before(async () => { standin = await new LiveKitStandIn().start(); });
after(async () => {
  assert.deepEqual(standin.strictErrors, [], 'every request must parse strictly');
  await standin.stop();
});

// The API token: the rule each room met is read where an operator reads it, the ledger's API.
const API_TOKEN = 'rules-api-token-0123456789';

async function withRecorder(extraEnv, body, config = POLICY) {
  const recorder = await startRecorder({
    env: baseEnv(standin, { S3_BUCKET: '', STREAM_KEY, API_TOKEN, ...extraEnv }), config, secrets: SECRETS,
  });
  try {
    return await body(recorder);
  } finally {
    await recorder.stop();
  }
}

const requestFor = (room) => standin.startRequests().find((r) => r.roomName === room);
const count = (text, pattern) => text.split('\n').filter((line) => pattern.test(line)).length;
// The rule the ledger says room `name` met, once its session is `status`.
const ruleOf = async (recorder, name, status) => (await recorder.waitForLedgerRoom(name, (r) => r.status === status)).rule;

test('webhooks: each room gets the outputs its rule asks for, and skipped rooms get none', { timeout }, async () => {
  await withRecorder({ RECONCILE_INTERVAL: '0' }, async (recorder) => {
    const rooms = [
      ['lobby', {}], ['optout-1', { metadata: '{"record": false, "tenant": "acme"}' }],
      ['phone-0175', {}], ['class-7b', {}], ['webinar-1', {}],
      ['tenant-room', { metadata: '{"tenant": "acme", "plan": "pro"}' }], ['standup', {}],
    ];
    for (const [name, fields] of rooms) {
      const answer = await sendEvent(recorder, 'room_started', { room: { name, ...fields } });
      assert.equal(answer.status, 200, name);
      if (name === 'lobby' || name === 'optout-1') assert.equal(answer.text.trim(), 'ok: not recorded (recording policy)');
    }
    for (const name of ['phone-0175', 'class-7b', 'webinar-1', 'tenant-room', 'standup']) {
      await recorder.waitForRecorded(standin, name);
    }
    // Skipped before their answers said so; no start pending: none is on its way either.
    assert.equal(await recorder.metric(SKIPPED, { reason: 'rule' }), 2);
    await recorder.waitForNoPendingStarts();
    assert.equal(await ruleOf(recorder, 'lobby', 'skipped'), 'rules[0] (lobby)');
    assert.equal(await ruleOf(recorder, 'optout-1', 'skipped'), 'rules[1] (opted-out)');
    assert.equal(requestFor('lobby'), undefined);
    assert.equal(requestFor('optout-1'), undefined);

    const phone = requestFor('phone-0175');
    assert.equal(phone.audioOnly, true);
    assert.equal(phone.layout, '', 'audio has no layout');
    assert.equal(phone.fileOutputs[0].fileType, EncodedFileType.OGG);
    assert.equal(phone.fileOutputs[0].filepath, 'calls/{room_name}-{utc}');
    assert.equal(phone.fileOutputs[0].output.value.bucket, 'main-recordings');
    assert.equal(await ruleOf(recorder, 'phone-0175', 'recording'), 'rules[2] (phone)');

    const klass = requestFor('class-7b');
    assert.equal(klass.options.case, 'preset');
    assert.equal(klass.options.value, EncodingOptionsPreset.H264_1080P_30);
    assert.equal(klass.fileOutputs.length, 1, 'the top-level file output is kept');
    const [segments] = klass.segmentOutputs;
    assert.equal(segments.filenamePrefix, 'classes/{room_name}/seg');
    assert.equal(segments.playlistName, 'index.m3u8');
    assert.equal(segments.livePlaylistName, 'live.m3u8');
    assert.equal(segments.segmentDuration, 6);
    assert.equal(segments.output.case, 'gcp');
    assert.equal(segments.output.value.bucket, 'cold-archive');
    assert.equal(JSON.parse(segments.output.value.credentials).private_key, 'gcp-private-key-abcdef');
    const [images] = klass.imageOutputs;
    assert.deepEqual([images.captureInterval, images.width, images.height, images.filenamePrefix],
      [30, 320, 180, 'thumbs/{room_name}']);
    assert.equal(images.output.case, 'gcp');

    const webinar = requestFor('webinar-1');
    assert.equal(webinar.fileOutputs.length, 0, 'file: false');
    assert.equal(webinar.streamOutputs[0].protocol, StreamProtocol.RTMP);
    assert.deepEqual(webinar.streamOutputs[0].urls, [`rtmps://live.example.com/app/${STREAM_KEY}`]);

    const tenant = requestFor('tenant-room');
    assert.equal(tenant.fileOutputs[0].output.case, 'azure');
    assert.equal(tenant.fileOutputs[0].output.value.accountKey, AZURE_KEY);
    assert.equal(tenant.fileOutputs[0].filepath, 'acme/{room_name}-{time}');
    assert.equal(tenant.options.case, 'advanced');
    assert.equal(tenant.options.value.width, 1280);
    assert.equal(tenant.options.value.framerate, 25);
    assert.equal(tenant.options.value.videoCodec, VideoCodec.H264_HIGH);
    assert.equal(tenant.options.value.keyFrameInterval, 2.5);

    const standup = requestFor('standup');
    assert.equal(standup.layout, 'grid');
    assert.equal(standup.fileOutputs[0].output.case, 's3');
    assert.equal(standup.segmentOutputs.length + standup.streamOutputs.length + standup.imageOutputs.length, 0);
    assert.equal(await ruleOf(recorder, 'standup', 'recording'), 'top level');
  });
});

test('the reconciler skips the same rooms, by name and by metadata, and says so once', { timeout }, async () => {
  standin.addRoom('lobby');
  standin.addRoom('app-optout', { metadata: '{"record": false}' });
  standin.addRoom('reconciled-class-room', { metadata: '{"course": "math"}' });
  await withRecorder({ RECONCILE_INTERVAL: '200ms' }, async (recorder) => {
    await recorder.waitForRecorded(standin, 'reconciled-class-room');
    assert.deepEqual([await recorder.metric(STARTED, { origin: 'reconciler' }), await recorder.metric(STARTED)], [1, 1], 'origin=reconciler');
    await recorder.waitForPasses(3); // the reconciler looked again, and again skipped them
    assert.equal(standin.startsFor('lobby').length, 0);
    assert.equal(standin.startsFor('app-optout').length, 0);
    assert.equal(standin.startsFor('reconciled-class-room').length, 1);
    // Counted, like its line, once per room, not on every pass.
    assert.equal(await recorder.metric(SKIPPED, { reason: 'rule' }), 2);
    for (const [name, rule] of [['lobby', 'rules[0] (lobby)'], ['app-optout', 'rules[1] (opted-out)']]) {
      const session = await recorder.waitForLedgerRoom(name, (r) => r.status === 'skipped');
      assert.deepEqual([session.rule, session.learned_from], [rule, 'reconciler'], name);
    }
    // log: the operator is told once per room, not on every pass
    await recorder.waitForLogLine(/skipped: the recording policy .*room=app-optout .*origin=reconciler/);
    assert.equal(count(recorder.output, /skipped: the recording policy .*room=app-optout /), 1);
    assert.equal(count(recorder.output, /skipped: the recording policy .*room=lobby /), 1);
  });
  standin.removeRoom('lobby');
  standin.removeRoom('app-optout');
  standin.removeRoom('reconciled-class-room');
});

test('metadata that is not JSON never fits a metadata rule, is logged once, and the room is still recorded', { timeout }, async () => {
  await withRecorder({ RECONCILE_INTERVAL: '0' }, async (recorder) => {
    await sendEvent(recorder, 'room_started', { room: { name: 'garbled', metadata: 'record=false' } });
    await recorder.waitForRecorded(standin, 'garbled');
    assert.equal(await ruleOf(recorder, 'garbled', 'recording'), 'top level');
    // log: the warning tells the operator, once, that metadata rules cannot fit this room
    await recorder.waitForLogLine(/room metadata is not a JSON object.*room=garbled/);
    assert.equal(count(recorder.output, /room metadata is not a JSON object.*room=garbled/), 1);
  });
});

test('--check-config ROOM...: the rule each room meets and the request, with secrets redacted', { timeout }, async () => {
  const { code, output } = await runToExit({
    env: baseEnv(standin, { S3_BUCKET: '', STREAM_KEY }), config: POLICY, secrets: SECRETS,
    args: ['--check-config', 'lobby', 'class-1', 'webinar-2', 'standup'],
  });
  assert.equal(code, 0, output);
  assert.match(output, /# room "lobby": rules\[0\] \(lobby\): not recorded \(record: false\)/);
  // api_flavour auto: the unified request, and the legacy one a LiveKit before 1.13.2 is sent.
  assert.match(output, /# room "class-1": rules\[3\] \(classes\): StartEgress \{.*"segments":\{"filenamePrefix":"classes\/\{room_name\}\/seg".*"credentials":"<redacted>"/);
  assert.match(output, /\n# {3}or, on a LiveKit without StartEgress \(before 1\.13\.2\): StartRoomCompositeEgress \{"roomName":"class-1".*"segmentOutputs":\[\{"filenamePrefix":"classes\/\{room_name\}\/seg".*"credentials":"<redacted>"/);
  assert.match(output, /# room "webinar-2": rules\[4\] \(webinar\): .*"urls":\["rtmps:\/\/live.example.com\/app\/<redacted>"\]/);
  assert.match(output, /# room "standup": top level: .*"bucket":"main-recordings"/);
  assert.match(output, /#   rules\[1\] \(opted-out\): metadata \{"record":false\} -> not recorded/);
  assert.match(output, /# storages.acme: azure/);
  assert.match(output, /^# rules\[0\] \(lobby\) alone matches "lobby"$/m);

  const withMetadata = await runToExit({
    env: baseEnv(standin, { S3_BUCKET: '', STREAM_KEY }), config: POLICY, secrets: SECRETS,
    args: ['--check-config', '--room-metadata', '{"tenant": "acme"}', 'tenant-x'],
  });
  assert.match(withMetadata.output, /# room "tenant-x": rules\[5\] \(acme\): .*"azure":\{"accountName":"acmerec","accountKey":"<redacted>"/);

  const misuse = await runToExit({ env: baseEnv(standin), args: ['lobby'] });
  assert.equal(misuse.code, 1);
  assert.match(misuse.output, /room names, --room-metadata and --strict are only taken with --check-config/);
});

test('a pattern in the wrong field is a warning with the fix (an error under --strict); ignore_case matches any case', { timeout }, async () => {
  const config = 'storage:\n  s3: {bucket: rules}\nrules:\n' +
    '  - name: classes\n    match: {room_regex: "class-*"}\n    layout: speaker\n' +
    '  - name: calls\n    match: {room: "CALL-*", ignore_case: true}\n    audio_only: true\n';
  const { code, output } = await runToExit({ env: baseEnv(standin, { S3_BUCKET: '' }), config,
    args: ['--check-config', 'class-7b', 'call-42'] });
  assert.equal(code, 0, output);
  assert.match(output, /^# warning: rules\[0\] \(classes\): match\.room_regex "class-\*" looks like a glob .*did you mean match\.room: "class-\*", or match\.room_regex: "class\\-\.\*"\?$/m);
  assert.match(output, /# room "class-7b": top level/, 'as a regex it does not match: what the warning is about');
  assert.match(output, /^# rules\[0\] \(classes\) alone matches none of these rooms$/m);
  assert.match(output, /^# rules\[1\] \(calls\) alone matches "call-42"$/m);
  assert.match(output, /# room "call-42": rules\[1\] \(calls\): StartEgress \{.*"template":\{"audioOnly":true\}/);
  const strict = await runToExit({ env: baseEnv(standin, { S3_BUCKET: '' }), config, args: ['--check-config', '--strict'] });
  assert.equal(strict.code, 1);
  assert.match(strict.output, /^# error: rules\[0\] \(classes\): match\.room_regex "class-\*" looks like a glob/m);
});

test('every validation message stops startup, naming the rule and the key', { timeout }, async () => {
  const cases = [
    ['rules:\n  - match: {room: a}\n    layuot: grid\n', /test-config.yaml:3: "rules\[0\].layuot" is not a known rule setting .*did you mean "rules\[0\].layout"\?/],
    ['rules:\n  - match: {room: a}\n    listen_port: 9000\n', /"rules\[0\].listen_port" is not a known rule setting/],
    ['rules:\n  - match: {room: a}\n    preset: H264_4K\n', /rules\[0\].preset: "H264_4K" is not one of LiveKit's names: H264_720P_30/],
    ['rules:\n  - match: {room: a}\n    audio_mixing: stereo\n', /rules\[0\].audio_mixing: "stereo" is not one of LiveKit's names/],
    ['rules:\n  - match: {room: a}\n    file_type: webm\n', /rules\[0\].file_type: WEBM is not a LiveKit file type/],
    ['rules:\n  - match: {room: a}\n    audio_only: true\n    layout: speaker\n', /rules\[0\].layout is set, but the recording is audio-only/],
    ['rules:\n  - match: {room: a}\n    audio_only: true\n    images: {capture_interval: 5}\n', /rules\[0\].images is set, but the recording is audio-only/],
    ['rules:\n  - match: {room: a}\n    preset: H264_720P_30\n    advanced: {width: 640}\n', /rules\[0\].preset and rules\[0\].advanced are both set/],
    ['rules:\n  - match: {room: a}\n    segments: {storage: nowhere}\n', /rules\[0\].segments.storage: "nowhere" is not defined under storages:/],
    ['rules:\n  - match: {room: a}\n    record: false\n    layout: speaker\n', /"rules\[0\]" has record: false and recording settings/],
    ['rules:\n  - match: {room_regex: "class-("}\n', /"rules\[0\].match" room_regex "class-\(" is not a regular expression/],
    ['rules:\n  - match: {room: a}\n    file: false\n', /rules\[0\] records nothing/],
    ['rules:\n  - layout: speaker\n  - match: {room: b}\n    record: false\n', /"rules\[0\]" has no match, so it fits every room/],
    ['rules:\n  - match: {room: a}\n    stream: {urls: ["http://x/app/k"]}\n', /rules\[0\].stream.urls: a URL does not start with rtmp:\/\/, rtmps:\/\/ or srt:\/\//],
    ['storages:\n  a:\n    s3: {bucket: x}\n    gcp: {bucket: y}\n', /storages.a: Only one storage provider can be configured, found s3, gcp/],
    ['storages:\n  a: {}\n', /storages.a: No storage provider configured/],
  ];
  for (const [config, message] of cases) {
    const { code, output } = await runToExit({ env: baseEnv(standin), config });
    assert.equal(code, 1, config);
    assert.match(output, message, config);
  }
  // An output without storage: only named storages, and a rule output that names none.
  const { code, output } = await runToExit({
    env: baseEnv(standin, { S3_BUCKET: '' }),
    config: 'storages:\n  only:\n    s3: {bucket: x}\nfile_storage: only\nrules:\n  - match: {room: a}\n    segments: {playlist_name: p}\n',
  });
  assert.equal(code, 1);
  assert.match(output, /rules\[0\].segments has no storage: there is no default storage \(storage:\), so set rules\[0\].segments.storage to one of storages: only/);
});

// The call-center example of docs/configuration.md, exactly as documented.
function documentedCallCenter() {
  const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('### Example: a call center'));
  return section.slice(section.indexOf('```yaml\n') + 8, section.indexOf('```\n', section.indexOf('```yaml\n') + 8));
}

test('a room name of 60 000 characters meets the call-center rule without harm: webhook, reconciler, --check-config', { timeout }, async () => {
  const huge = `sip-${'1'.repeat(60000)}`;
  const env = { LIVEKIT_HOST: standin.url, LIVEKIT_API_KEY: standin.apiKey, LIVEKIT_API_SECRET: standin.apiSecret,
    AZURE_KEY: 'azure-call-center-key-0123', RECONCILE_INTERVAL: '300ms', API_TOKEN };
  standin.addRoom(huge);
  const recorder = await startRecorder({ env, config: documentedCallCenter(), secrets: ['azure-call-center-key-0123'] });
  try {
    const answer = await sendEvent(recorder, 'room_started', { room: { name: huge } });
    assert.equal(answer.status, 200);
    await standin.waitForStarts(1);
    // The reconciler lists the same room: two more passes go by with the process alive.
    await recorder.waitForPasses(2);
    assert.equal(standin.startsFor(huge).length, 1);
    assert.equal(recorder.child.exitCode, null);

    await sendEvent(recorder, 'room_started', { room: { name: 'call-42' } });
    await recorder.waitForRecorded(standin, 'call-42');
    assert.equal(await ruleOf(recorder, 'call-42', 'recording'), 'rules[0] (phone)');
    const [request] = standin.startRequests().filter((r) => r.roomName === 'call-42');
    assert.equal(request.audioOnly, true);
    assert.equal(request.fileOutputs[0].filepath, 'calls/{room_name}-{utc}');
  } finally {
    assert.equal((await recorder.stop()).code, 0);
    standin.removeRoom(huge);
  }
  const check = await runToExit({ env, config: documentedCallCenter(), args: ['--check-config', huge, `call-${'9'.repeat(120000)}x`] });
  assert.equal(check.code, 0, check.output.slice(0, 500));
  assert.match(check.output, /# room "sip-1{100}[^"]*": rules\[0\] \(phone\)/);
  assert.match(check.output, /# room "call-9{100}[^"]*x": top level/);
});
