// What an operator sees: probes, metrics, JSON logs, --check-config and secrets from files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { EgressStatus, EgressInfo } from '@livekit/protocol';
import { LiveKitStandIn } from './lib/standin.mjs';
import { startRecorder, runToExit, baseEnv, tempDir, freePort, refused, assertNoSecrets } from './lib/recorder.mjs';
import { eventBody, signBody, post, sendEvent, customToken, sha256 } from './lib/webhooks.mjs';
import { until } from './lib/wait.mjs';

// Each test's own limit, so that a hang names the test (ctest's limit names only the file).
const timeout = 60_000;

let standin;
before(async () => { standin = await new LiveKitStandIn().start(); });
after(async () => { await standin.stop(); });

const get = async (url) => { const res = await fetch(url); return { status: res.status, text: await res.text(), type: res.headers.get('content-type') }; };

test('probes: refused before startup, 200 when ready, /readyz 503 during shutdown_delay while webhooks still work', { timeout }, async () => {
  const port = await freePort();
  assert.ok(await refused(port), 'nothing listens before the process is ready');
  const recorder = await startRecorder({ env: baseEnv(standin, { PORT: String(port), SHUTDOWN_DELAY: '1s' }) });
  assert.equal((await get(`${recorder.url}/livez`)).status, 200);
  assert.equal((await get(`${recorder.url}/readyz`)).status, 200);

  recorder.child.kill('SIGTERM');
  await recorder.until(async () => (await get(`${recorder.url}/readyz`)).status === 503, 'Kubernetes takes the pod out of the Service');
  assert.equal((await get(`${recorder.url}/livez`)).status, 200, 'but does not restart it');
  const late = await sendEvent(recorder, 'room_started', { room: { name: 'during-shutdown-delay' } });
  assert.equal(late.status, 200, 'webhooks still arriving during the delay are recorded');
  // At LiveKit: the second of shutdown_delay may be over before /metrics could say more.
  await until(() => standin.startsFor('during-shutdown-delay').length === 1, 'a recording of during-shutdown-delay');
  assert.equal((await recorder.stop()).code, 0);
  assert.ok(await refused(port));
});

test('a LiveKit outage does not fail liveness or readiness', { timeout }, async () => {
  const recorder = await startRecorder({ env: baseEnv(standin, { LIVEKIT_HOST: `http://127.0.0.1:${await freePort()}`, RECONCILE_INTERVAL: '200ms' }) });
  try {
    await recorder.waitForMetric('auto_recorder_reconcile_passes_total', { result: 'failed' }, 1);
    assert.ok(await recorder.metric('auto_recorder_livekit_api_calls_total', { method: 'ListEgress', outcome: 'connection_error' }) >= 1);
    assert.equal((await get(`${recorder.url}/livez`)).status, 200);
    assert.equal((await get(`${recorder.url}/readyz`)).status, 200);
  } finally {
    await recorder.stop();
  }
});

test('health_port serves probes and metrics apart from webhooks', { timeout }, async () => {
  const healthPort = await freePort();
  const recorder = await startRecorder({ env: baseEnv(standin, { HEALTH_PORT: String(healthPort) }) });
  try {
    const health = `http://127.0.0.1:${healthPort}`;
    assert.match(recorder.output, new RegExp(`health_port=${healthPort}`));
    assert.equal((await get(`${health}/livez`)).status, 200);
    assert.equal((await get(`${health}/readyz`)).status, 200);
    assert.match((await get(`${health}/metrics`)).text, /auto_recorder_build_info/);
    assert.equal((await post(`${health}/webhook-receiver`, '{}')).status, 404);
    assert.equal((await get(`${recorder.url}/metrics`)).status, 200, 'the main port keeps them too');
  } finally {
    await recorder.stop();
  }
});

function scrape(text) {
  const families = Object.fromEntries(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
  const value = (name, labels = {}) => {
    const family = families[name];
    if (!family) return 0;
    const matching = family.metrics.filter((m) => Object.entries(labels).every(([k, v]) => (m.labels ?? {})[k] === v));
    return matching.reduce((sum, m) => sum + Number(m.value ?? m.count ?? 0), 0);
  };
  return { families, value };
}

test('metrics after a scripted scenario: parsed by a Prometheus parser, linted by promtool, values right', { timeout }, async () => {
  const recorder = await startRecorder({ env: baseEnv(standin, { RETRY_INITIAL_DELAY: '50ms', RECONCILE_INTERVAL: '0', MAX_BODY_BYTES: '2048' }) });
  try {
    const endpoint = `${recorder.url}/webhook-receiver`;
    // N = 4 rooms started, one of them only after K = 2 "unavailable" answers.
    standin.inject({ method: 'StartRoomCompositeEgress', times: 2, status: 503, code: 'unavailable' });
    const rooms = ['metrics-a', 'metrics-b', 'metrics-c', 'metrics-d'];
    // The last room was created 45 s before its webhook arrived (its webhook was lost, say).
    const created = (name) => (name === 'metrics-d' ? { creationTime: BigInt(Math.floor(Date.now() / 1000) - 45) } : {});
    const bodies = rooms.map((name) => eventBody('room_started', { room: { name, ...created(name) } }));
    for (const body of bodies) assert.equal((await post(endpoint, body, { authorization: await signBody(body, recorder.webhookAuth) })).status, 200);
    // One duplicate delivery, and one event the recorder ignores.
    assert.equal((await post(endpoint, bodies[0], { authorization: await signBody(bodies[0], recorder.webhookAuth) })).status, 200);
    assert.equal((await sendEvent(recorder, 'participant_joined', {})).status, 200);
    // M = 4 rejected: bad signature, expired, not an event, too large.
    const wrong = await signBody(bodies[1], { apiKey: standin.apiKey, apiSecret: 'wrong-secret-value' });
    assert.equal((await post(endpoint, bodies[1], { authorization: wrong })).status, 401);
    const now = Math.floor(Date.now() / 1000);
    const expired = await customToken({ iss: standin.apiKey, sha256: sha256(bodies[2]), exp: now - 600 }, standin.apiSecret);
    assert.equal((await post(endpoint, bodies[2], { authorization: expired })).status, 401);
    const junk = '{"event": 7}';
    assert.equal((await post(endpoint, junk, { authorization: await signBody(junk, recorder.webhookAuth) })).status, 400);
    assert.equal((await post(endpoint, 'x'.repeat(5000), { authorization: 'x' })).status, 413);
    for (const name of rooms) await recorder.waitForRecorded(standin, name);

    const res = await get(`${recorder.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.type, /^text\/plain; version=0\.0\.4/);
    const dir = tempDir();
    writeFileSync(join(dir, 'metrics.txt'), res.text);
    execFileSync('sh', ['-c', `promtool check metrics < ${join(dir, 'metrics.txt')}`], { stdio: 'pipe' }); // throws on any problem

    const { value, families } = scrape(res.text);
    assert.equal(value('auto_recorder_webhooks_total', { event: 'room_started', result: 'accepted' }), 4);
    assert.equal(value('auto_recorder_webhooks_total', { event: 'room_started', result: 'duplicate' }), 1);
    assert.equal(value('auto_recorder_webhooks_total', { event: 'participant_joined', result: 'accepted' }), 1);
    assert.equal(value('auto_recorder_webhooks_rejected_total', { reason: 'bad_signature' }), 1);
    assert.equal(value('auto_recorder_webhooks_rejected_total', { reason: 'expired' }), 1);
    assert.equal(value('auto_recorder_webhooks_rejected_total', { reason: 'not_an_event' }), 1);
    assert.equal(value('auto_recorder_webhooks_rejected_total', { reason: 'body_too_large' }), 1);
    assert.equal(value('auto_recorder_recordings_started_total', { origin: 'webhook' }), 4);
    assert.equal(value('auto_recorder_recordings_retried_total', { code: 'unavailable' }), 2);
    assert.equal(value('auto_recorder_recordings_skipped_total', { reason: 'duplicate_event' }), 1);
    assert.equal(value('auto_recorder_livekit_api_calls_total', { method: 'StartRoomCompositeEgress', outcome: 'ok' }), 4);
    assert.equal(value('auto_recorder_livekit_api_calls_total', { method: 'StartRoomCompositeEgress', outcome: 'unavailable' }), 2);
    // parse-prometheus-text-format drops labels and counts of labelled histograms, so histogram
    // counts are read from the (promtool-checked) text itself.
    const histogramCount = (series) => Number(res.text.match(new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\d+)$`, 'm'))?.[1]);
    assert.equal(histogramCount('auto_recorder_livekit_api_duration_seconds_count{method="StartRoomCompositeEgress"}'), 6);
    assert.equal(histogramCount('auto_recorder_webhook_duration_seconds_count'), 9, 'all but the 413, which never reaches the handler');
    // Seconds from room creation to recording start: three within seconds, one after 45 s.
    assert.equal(histogramCount('auto_recorder_recording_start_delay_seconds_count'), 4);
    assert.equal(histogramCount('auto_recorder_recording_start_delay_seconds_bucket{le="30"}'), 3);
    assert.equal(histogramCount('auto_recorder_recording_start_delay_seconds_bucket{le="60"}'), 4);
    // Every known series exists from the start, at 0, so that increase() sees its first step.
    assert.equal(value('auto_recorder_webhooks_rejected_total', { reason: 'wrong_issuer' }), 0);
    assert.equal(value('auto_recorder_recordings_failed_total', { code: 'unauthenticated' }), 0);
    assert.equal(value('auto_recorder_recordings_ended_failed_total', { status: 'failed', phase: 'after_room' }), 0);
    assert.equal(value('auto_recorder_reconcile_passes_total', { result: 'failed' }), 0);
    assert.equal(value('auto_recorder_last_reconcile_success_timestamp_seconds'), 0, 'the reconciler is off here');
    // The standard process metrics.
    const startedAt = value('process_start_time_seconds');
    assert.ok(Math.abs(startedAt - recorder.startedAt / 1000) < 5, `process_start_time_seconds ${startedAt}`);
    assert.ok(value('process_resident_memory_bytes') > 1e6 && value('process_resident_memory_bytes') < 200e6);
    assert.ok(value('process_virtual_memory_bytes') >= value('process_resident_memory_bytes'));
    assert.ok(value('process_open_fds') >= 3 && value('process_open_fds') < value('process_max_fds'));
    assert.ok(value('process_cpu_seconds_total') >= 0);
    assert.equal(value('auto_recorder_pending_starts'), 0);
    assert.equal(value('auto_recorder_livekit_api_calls_in_flight'), 0);
    assert.equal(value('auto_recorder_ready'), 1);
    assert.match(families.auto_recorder_build_info.metrics[0].labels.version, /^\d+\.\d+\.\d+/);
    for (const name of rooms) assert.ok(!res.text.includes(name), 'no room names in metrics');
    for (const family of Object.values(families)) {
      assert.match(family.name, /^(auto_recorder|process)_/);
      if (family.type === 'COUNTER') assert.match(family.name, /_total$/);
    }
  } finally {
    await recorder.stop();
  }
});

test('LOG_FORMAT=json: every line is one JSON object with the decision\'s fields', { timeout }, async () => {
  const recorder = await startRecorder({ env: baseEnv(standin, { LOG_FORMAT: 'json', RECONCILE_INTERVAL: '0' }) });
  const body = eventBody('room_started', { room: { name: 'json-fields' } });
  const event = JSON.parse(body);
  await post(`${recorder.url}/webhook-receiver`, body, { authorization: await signBody(body, recorder.webhookAuth) });
  await post(`${recorder.url}/webhook-receiver`, body, { authorization: await signBody(body, recorder.webhookAuth) });
  await post(`${recorder.url}/webhook-receiver`, body, { authorization: 'garbage' });
  await recorder.waitForLogLine(/"msg":"recording started"/); // log: the JSON lines are the behaviour
  await recorder.stop();
  const lines = recorder.output.trim().split('\n').map((line) => JSON.parse(line));
  for (const line of lines) {
    assert.ok(!Number.isNaN(Date.parse(line.ts)), 'ts');
    assert.match(line.level, /^(debug|info|warning|error)$/);
    assert.equal(typeof line.msg, 'string');
  }
  const started = lines.find((l) => l.msg === 'recording started');
  assert.equal(started.room, 'json-fields');
  assert.equal(started.room_sid, event.room.sid);
  assert.equal(started.egress_id, standin.startsFor('json-fields')[0].egressId);
  assert.equal(started.origin, 'webhook');
  const duplicate = lines.find((l) => l.msg === 'skipped: duplicate webhook');
  assert.equal(duplicate.event_id, event.id);
  const rejected = lines.find((l) => l.msg === 'webhook rejected');
  assert.equal(rejected.status, '401');
  assert.equal(rejected.reason, 'token is not a JWT');
  assert.ok(lines.some((l) => l.msg === 'stopped'));
});

test('--check-config: prints the effective configuration with secrets redacted, exit 0', { timeout }, async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'config.yaml'), 'layout: speaker\nstorage:\n  s3:\n    bucket: checked\n    secret: "yaml-s3-secret-value"\n    access_key: AKIACHECK\n    proxy_config:\n      url: http://proxy:3128\n      password: "proxy-secret-value"\n');
  const env = { LIVEKIT_API_KEY: 'APIcheck', LIVEKIT_API_SECRET: 'env-api-secret-value', PORT: '9999' };
  const { code, output } = await runToExit({ env, args: ['--check-config', '--config', join(dir, 'config.yaml')], secrets: ['yaml-s3-secret-value', 'proxy-secret-value'] });
  assert.equal(code, 0);
  assert.match(output, /^layout: "speaker" +# .*config\.yaml$/m);
  assert.match(output, /^listen_port: "9999" +# \$PORT$/m);
  assert.match(output, /^livekit_api_secret: <redacted> +# \$LIVEKIT_API_SECRET$/m);
  assert.match(output, /^storage\.s3\.secret: <redacted>/m);
  assert.match(output, /^storage\.s3\.proxy_config\.password: <redacted>/m);
  assert.match(output, /^webhook_api_key: "APIcheck" +# default: livekit_api_key$/m);
  assert.match(output, /^storage\.s3\.bucket: "checked"/m);
  assert.match(output, /# configuration is valid/);
  assert.doesNotMatch(output, /auto-recorder ready/, 'it checks, it does not start');
});

test('a misspelt variable draws a did-you-mean at startup and in --check-config; --strict makes it an error', { timeout }, async () => {
  const env = { LIVEKIT_API_KEY: 'APIcheck', LIVEKIT_API_SECRET: 'env-api-secret-value', S3_BUCKET: 'typos',
    S3_ENDPIONT: 'http://minio:9000', REDIS_SERVICE_HOST: '10.0.0.2', REDIS_PORT: 'tcp://10.0.0.2:6379' };
  const lenient = await runToExit({ env, args: ['--check-config'] });
  assert.equal(lenient.code, 0, lenient.output);
  assert.match(lenient.output, /^# warning: environment variable S3_ENDPIONT is not a setting: did you mean S3_ENDPOINT\?; it is ignored$/m);
  assert.doesNotMatch(lenient.output, /REDIS_/, 'Kubernetes service links are not typos');
  const strict = await runToExit({ env, args: ['--check-config', '--strict'] });
  assert.equal(strict.code, 1);
  assert.match(strict.output, /^# error: environment variable S3_ENDPIONT/m);
  assert.match(strict.output, /not valid under --strict/);
  const recorder = await startRecorder({ env: baseEnv(standin, { RECONCILE_INTERVAL: '0', S3_FORCE_PATHSTYLE: 'true' }) });
  try {
    // log: the warning at startup is what tells the operator of the typo
    await recorder.waitForLogLine(/warning environment variable S3_FORCE_PATHSTYLE is not a setting: did you mean S3_FORCE_PATH_STYLE\?/);
  } finally {
    await recorder.stop();
  }
});

test('passwords inside URLs are redacted in --check-config, the request preview, the logs and every form of the ledger', { timeout }, async () => {
  const config = 'storage:\n  s3:\n    bucket: urls\n    endpoint: "http://minio:Mn10PwQ7zrX@minio:9000"\n' +
    '    proxy_config:\n      url: "http://squid:Px8QwLm2vkY@proxy:3128"\n';
  const secrets = ['Mn10PwQ7zrX', 'Px8QwLm2vkY'];
  const env = { LIVEKIT_API_KEY: 'APIcheck', LIVEKIT_API_SECRET: 'env-api-secret-value' };
  const { code, output } = await runToExit({ env, config, secrets, args: ['--check-config', 'some-room'] });
  assert.equal(code, 0, output);
  assert.match(output, /^storage\.s3\.endpoint: "http:\/\/minio:<redacted>@minio:9000"/m);
  assert.match(output, /^storage\.s3\.proxy_config\.url: "http:\/\/squid:<redacted>@proxy:3128"/m);
  assert.match(output, /StartRoomCompositeEgress .*"endpoint":"http:\/\/minio:<redacted>@minio:9000"/);
  assert.match(output, /"url":"http:\/\/squid:<redacted>@proxy:3128"/);
  // A LiveKit error that quotes such a URL is redacted in the log line too.
  standin.inject({ method: 'StartRoomCompositeEgress', status: 400, code: 'invalid_argument', msg: 'cannot reach http://minio:Mn10PwQ7zrX@minio:9000' });
  const cwd = tempDir();
  const token = 'ops-api-token-0123456789';
  const serviceEnv = { ...env, LIVEKIT_HOST: standin.url, LIVEKIT_API_KEY: standin.apiKey, LIVEKIT_API_SECRET: standin.apiSecret, RECONCILE_INTERVAL: '0', API_TOKEN: token };
  const recorder = await startRecorder({ env: serviceEnv, config, secrets, cwd });
  await sendEvent(recorder, 'room_started', { room: { name: 'proxied-room', metadata: '{"cb":"http://minio:Mn10PwQ7zrX@minio:9000/x"}' } });
  // log: the line that quotes LiveKit's error, redacted, is the behaviour
  await recorder.waitForLogLine(/recording not started: .*room=proxied-room/);
  assert.match(recorder.output, /http:\/\/minio:<redacted>@minio:9000/);

  // Issue 26: the ledger stores what the logs show. An egress that fails quoting the endpoint,
  // with a file location that carries it, and a start error that quotes it.
  const ended = standin.addRoom('ended-room');
  await sendEvent(recorder, 'room_started', { room: { name: ended.name, sid: ended.sid } });
  await recorder.waitForRecorded(standin, 'ended-room');
  const egress = standin.endEgress(standin.startsFor('ended-room')[0].egressId, EgressStatus.EGRESS_FAILED);
  egress.error = 'upload to http://minio:Mn10PwQ7zrX@minio:9000/urls failed: AccessDenied';
  for (const file of egress.fileResults) file.location = `http://minio:Mn10PwQ7zrX@minio:9000/urls/${file.filename}`;
  await sendEvent(recorder, 'egress_ended', { egressInfo: new EgressInfo(egress) });
  const failed = await recorder.waitForLedgerRoom('ended-room', (room) => room.recordings[0]?.status === 'EGRESS_FAILED');
  assert.match(failed.recordings[0].error, /minio:<redacted>@minio:9000/);
  await recorder.waitForLedgerRoom('proxied-room', (room) => room.start_error !== '');
  const auth = { headers: { authorization: `Bearer ${token}` } };
  const served = [
    await (await fetch(`${recorder.url}/v1/rooms?since=1h&fields=metadata`, auth)).text(),
    await (await fetch(`${recorder.url}/v1/rooms/${ended.sid}`, auth)).text(),
    await (await fetch(`${recorder.url}/ui`, auth)).text(),
  ];
  for (const format of ['table', 'csv', 'json']) {
    const report = await runToExit({ env: serviceEnv, cwd, secrets, args: ['report', '--since', '1h', '--format', format] });
    assert.equal(report.code, 3, `exit 3: a session is unrecorded\n${report.output}`);
    served.push(report.output);
  }
  for (const text of served) {
    assert.match(text, /<redacted>|&lt;redacted&gt;/);
    assertNoSecrets(text, {}, secrets);
  }
  standin.removeRoom('ended-room');
  await recorder.stop(); // scans the whole output for both passwords, whole or in part
  // And the files themselves, the write-ahead log included.
  for (const file of readdirSync(cwd).filter((name) => name.startsWith('ledger.db'))) {
    assertNoSecrets(readFileSync(join(cwd, file), 'latin1'), {}, secrets);
    assert.equal(statSync(join(cwd, file)).mode & 0o777, 0o600, `${file} is the owner's alone`);
  }
});

test('text logs carry no raw control character, whatever a room name, an event id or a LiveKit error holds', { timeout }, async () => {
  // ESC (colours, cursor moves), BS, VT, FF, NUL, DEL, NEL, CSI, and the Unicode separators.
  const controls = ['\x1b[31m', '\b', '\v', '\f', '\0', '\x7f', '\u0085', '\u009b', '\u2028', '\u2029'];
  const nasty = controls.join('x');
  standin.inject({ method: 'StartRoomCompositeEgress', status: 400, code: 'invalid_argument', msg: `refused${nasty}\nforged log line` });
  const recorder = await startRecorder({ env: baseEnv(standin, { RECONCILE_INTERVAL: '0', LOG_LEVEL: 'debug' }) });
  try {
    const id = `EV_${nasty}`;
    await sendEvent(recorder, 'room_started', { room: { name: `room${nasty}` }, id });
    await recorder.waitForLogLine(/recording not started: LiveKit refused/); // log: how its fields are escaped
    await sendEvent(recorder, 'room_started', { room: { name: `room${nasty}` }, id }); // logs the event id
    await recorder.waitForLogLine(/skipped: duplicate webhook/); // log: how the event id is escaped
    await sendEvent(recorder, 'participant_joined', { id: `EV_p${nasty}` });
    await recorder.waitForLogLine(/webhook ignored event=participant_joined/); // log: how the event id is escaped
  } finally {
    await recorder.stop();
  }
  // Each line is one log line, and nothing in it is a control character but the line's own end.
  const raw = recorder.output.match(/[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f\u2028\u2029]/u);
  assert.equal(raw, null, `a raw control character U+${raw?.[0].codePointAt(0).toString(16)} in:\n${recorder.output}`);
  assert.match(recorder.output, /room="room\\u001b\[31mx\\u0008x\\u000bx\\u000cx\\u0000x\\u007fx\\u0085x\\u009bx\\u2028x\\u2029"/);
  assert.match(recorder.output, /error="refused\\u001b.*\\nforged log line"/);
  assert.match(recorder.output, /event_id="EV_\\u001b/);
  for (const line of recorder.output.trim().split('\n')) assert.match(line, /^\d{4}-\d\d-\d\dT/, 'no line starts but a log line');
});

test('an error about a secret setting names the setting and shows nothing of its value', { timeout }, async () => {
  const secret = 'Sup3r${s3cr3t-PART}tail';
  const yaml = await runToExit({ env: { LIVEKIT_API_KEY: 'k' }, config: `livekit_api_secret: "${secret}"\nstorage: {s3: {bucket: b}}\n`, secrets: [secret] });
  assert.equal(yaml.code, 1);
  assert.match(yaml.output, /livekit_api_secret: a "\$\{" in the value cannot be expanded \(the value is a secret and is not shown\)/);
  const unset = await runToExit({ env: { LIVEKIT_API_KEY: 'k' }, config: 'livekit_api_secret: "pre-${SECRET_TAIL_VARIABLE}"\nstorage: {s3: {bucket: b}}\n', secrets: ['pre-${SECRET_TAIL_VARIABLE}'] });
  assert.equal(unset.code, 1);
  assert.doesNotMatch(unset.output, /SECRET_TAIL/);
});

test('--check-config: an invalid configuration exits 1 with the same message as startup', { timeout }, async () => {
  const env = { LIVEKIT_API_KEY: 'k', LIVEKIT_API_SECRET: 'env-api-secret-value', S3_BUCKET: 'b', FILE_TYPE: 'webm' };
  const checked = await runToExit({ env, args: ['--check-config'] });
  const started = await runToExit({ env });
  assert.equal(checked.code, 1);
  assert.equal(checked.output, started.output);
  assert.match(checked.output, /WEBM is not a LiveKit file type/);
});

test('secrets from files: *_FILE variables and *_file keys, trailing newline trimmed', { timeout }, async () => {
  const dir = tempDir();
  const file = (name, content) => { writeFileSync(join(dir, name), content); return join(dir, name); };
  const env = {
    LIVEKIT_HOST: standin.url,
    LIVEKIT_API_KEY: standin.apiKey,
    LIVEKIT_API_SECRET_FILE: file('api-secret', `${standin.apiSecret}\n`),
    S3_BUCKET: 'files',
    S3_ACCESS_KEY: 'AKIAFILES',
    S3_SECRET_FILE: file('s3-secret', 's3-secret-from-file\r\n'),
  };
  const config = `storage:\n  s3:\n    proxy_config:\n      url: http://proxy:3128\n      password_file: ${file('proxy', 'proxy-pass-from-file\n')}\n`;
  const recorder = await startRecorder({ env, config });
  recorder.webhookAuth = { apiKey: standin.apiKey, apiSecret: standin.apiSecret };
  try {
    assert.equal((await sendEvent(recorder, 'room_started', { room: { name: 'mounted-files' } })).status, 200, 'webhook verified with the secret from the file');
    await recorder.waitForRecorded(standin, 'mounted-files');
    const s3 = standin.startRequests().find((r) => r.roomName === 'mounted-files').fileOutputs[0].output.value;
    assert.equal(s3.secret, 's3-secret-from-file');
    assert.equal(s3.proxy.password, 'proxy-pass-from-file');
  } finally {
    await recorder.stop();
  }
});

test('secrets from files: value and file together, or an unreadable file, stop startup', { timeout }, async () => {
  const base = { LIVEKIT_API_KEY: 'k', S3_BUCKET: 'b' };
  const both = await runToExit({ env: { ...base, LIVEKIT_API_SECRET: 'value-secret-xyz', LIVEKIT_API_SECRET_FILE: '/etc/hostname' } });
  assert.equal(both.code, 1);
  assert.match(both.output, /set either LIVEKIT_API_SECRET or LIVEKIT_API_SECRET_FILE, not both/);
  const missing = await runToExit({ env: { ...base, LIVEKIT_API_SECRET_FILE: '/run/secrets/nope' } });
  assert.equal(missing.code, 1);
  assert.match(missing.output, /LIVEKIT_API_SECRET_FILE: the secret file \/run\/secrets\/nope does not exist/);
  const yaml = await runToExit({ env: { ...base, LIVEKIT_API_SECRET: 'value-secret-xyz' }, config: 'storage:\n  s3:\n    secret: a-yaml-secret\n    secret_file: /etc/hostname\n    access_key: a\n', secrets: ['a-yaml-secret'] });
  assert.equal(yaml.code, 1);
  assert.match(yaml.output, /set either storage\.s3\.secret or storage\.s3\.secret_file, not both/);
});

test('the secret scan used by every test does catch a leak', { timeout }, () => {
  assert.throws(() => assertNoSecrets('... S3 secret is hunter2-secret ...', { S3_SECRET: 'hunter2-secret' }), /secret value of S3_SECRET/);
  assert.throws(() => assertNoSecrets('"${s3cr3t-PART}" is not a variable reference', { LIVEKIT_API_SECRET: 'Sup3r${s3cr3t-PART}tail' }),
    /LIVEKIT_API_SECRET appears in the recorder's output, whole or in part/);
  assert.throws(() => assertNoSecrets('... {"private_key":"x"} ...', { GOOGLE_APPLICATION_CREDENTIALS: '{"private_key":"x"}' }), /GOOGLE_APPLICATION_CREDENTIALS/);
  assert.doesNotThrow(() => assertNoSecrets('cannot read /path/key.json', { GOOGLE_APPLICATION_CREDENTIALS: '/path/key.json' }));
});
