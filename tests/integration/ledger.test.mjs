// The ledger: what became of every room session, kept on disk, read by `auto-recorder report`
// while the service runs, and still there after the service was killed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EgressStatus, EgressInfo } from '@livekit/protocol';
import { LiveKitStandIn } from './lib/standin.mjs';
import { startRecorder, runToExit, baseEnv, tempDir, FAILED } from './lib/recorder.mjs';
import { eventBody, signBody, post } from './lib/webhooks.mjs';
import { until } from './lib/wait.mjs';

// Each test's own limit, so that a hang names the test (ctest's limit names only the file).
const timeout = 60_000;

let standin;
before(async () => { standin = await new LiveKitStandIn({ requireRooms: true }).start(); });
after(async () => { await standin.stop(); });

const ENV = { RETRY_INITIAL_DELAY: '100ms', RETRY_MAX_DELAY: '400ms', RECONCILE_INTERVAL: '0' };

async function hook(recorder, body) {
  const answer = await post(`${recorder.url}/webhook-receiver`, body, { authorization: await signBody(body, recorder.webhookAuth) });
  assert.equal(answer.status, 200, answer.text);
}

// `auto-recorder report` with the service's configuration and working directory.
async function report(env, cwd, ...args) {
  const { code, output } = await runToExit({ env, cwd, args: ['report', ...args] });
  return { code, output };
}

async function reportJson(env, cwd, ...args) {
  const { code, output } = await report(env, cwd, '--format', 'json', ...args);
  return { code, rooms: JSON.parse(output).rooms };
}

test('a room recorded to its end is "recorded" with its file, and stays in the ledger after SIGKILL', { timeout }, async () => {
  const cwd = tempDir();
  const env = baseEnv(standin, ENV);
  let recorder = await startRecorder({ env, cwd });
  const room = standin.addRoom('hearing-42');
  try {
    await hook(recorder, eventBody('room_started', { room: { name: room.name, sid: room.sid, metadata: '{"case":"C-17"}' } }));
    await recorder.waitForRecorded(standin, 'hearing-42');
    const egress = standin.endEgress(standin.startsFor('hearing-42')[0].egressId, EgressStatus.EGRESS_COMPLETE);
    egress.fileResults[0].size = 1234567n;
    egress.fileResults[0].duration = 3_600_000_000_000n;
    await hook(recorder, eventBody('egress_ended', { egressInfo: new EgressInfo(egress) }));
    await hook(recorder, eventBody('room_finished', { room: { name: room.name, sid: room.sid } }));
    // The ledger writes on its own thread: the report shows it once it is written.
    let found;
    await until(async () => {
      const { rooms } = await reportJson(env, cwd, '--since', '1h');
      found = rooms.find((r) => r.sid === room.sid);
      return found?.status === 'recorded';
    }, 'the room recorded in the ledger', 10000, 50);
    assert.equal(found.name, 'hearing-42');
    assert.equal(found.learned_from, 'webhook');
    assert.equal(found.metadata, '{"case":"C-17"}');
    assert.equal(found.rule, 'top level');
    assert.match(found.started_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.ok(found.finished_at);
    assert.equal(found.recordings.length, 1);
    const [recording] = found.recordings;
    assert.equal(recording.egress_id, egress.egressId);
    assert.equal(recording.status, 'EGRESS_COMPLETE');
    assert.equal(recording.files[0].location, egress.fileResults[0].location);
    assert.equal(recording.files[0].size, 1234567);
    assert.equal(recording.files[0].duration_seconds, 3600);
    // The session ended (room gone, recording complete): counted once, by its final status.
    const metrics = await (await fetch(`${recorder.url}/metrics`)).text();
    assert.match(metrics, /^auto_recorder_room_sessions_total\{status="recorded"\} 1$/m);
    assert.match(metrics, /^auto_recorder_room_sessions_total\{status="unrecorded"\} 0$/m);

    recorder.child.kill('SIGKILL');
    await recorder.exit;
    recorder = await startRecorder({ env, cwd });
    const { code, rooms } = await reportJson(env, cwd, '--since', '1h');
    assert.equal(code, 0, 'nothing unrecorded or partial');
    assert.equal(rooms.find((r) => r.sid === room.sid)?.status, 'recorded');
    const table = await report(env, cwd, '--since', '1h');
    assert.equal(table.code, 0);
    assert.match(table.output, /recorded\s+\S+\s+hearing-42\s+\S+/);
    assert.match(table.output, /1 room session\(s\), 1 recorded/);
  } finally {
    await recorder.stop();
    standin.removeRoom('hearing-42');
  }
});

test('a room whose start is refused is "unrecorded", a skipped one "skipped"; report exits 3', { timeout }, async () => {
  const cwd = tempDir();
  const env = baseEnv(standin, ENV);
  const config = 'rules:\n  - match:\n      room: "lobby-*"\n    record: false\n';
  const recorder = await startRecorder({ env, cwd, config });
  const refused = standin.addRoom('refused-1');
  const lobby = standin.addRoom('lobby-1');
  try {
    standin.inject({ method: 'StartRoomCompositeEgress', status: 400, code: 'invalid_argument', msg: 'bucket does not exist' });
    await hook(recorder, eventBody('room_started', { room: { name: refused.name, sid: refused.sid } }));
    await hook(recorder, eventBody('room_started', { room: { name: lobby.name, sid: lobby.sid } }));
    await recorder.waitForMetric(FAILED, { code: 'invalid_argument' }, 1);
    let rooms;
    await until(async () => {
      ({ rooms } = await reportJson(env, cwd, '--since', '1h', '--config', `${cwd}/test-config.yaml`));
      return rooms.length === 2;
    }, 'both rooms in the ledger', 10000, 50);
    const byName = Object.fromEntries(rooms.map((r) => [r.name, r]));
    assert.equal(byName['refused-1'].status, 'unrecorded');
    assert.match(byName['refused-1'].start_error, /^invalid_argument: bucket does not exist/);
    assert.equal(byName['lobby-1'].status, 'skipped');
    assert.equal(byName['lobby-1'].rule, 'rules[0]');
    const { code } = await reportJson(env, cwd, '--since', '1h', '--config', `${cwd}/test-config.yaml`);
    assert.equal(code, 3, 'an unrecorded room makes the report exit 3');
    const onlySkipped = await reportJson(env, cwd, '--since', '1h', '--status', 'skipped', '--config', `${cwd}/test-config.yaml`);
    assert.deepEqual(onlySkipped.rooms.map((r) => r.name), ['lobby-1']);
    assert.equal(onlySkipped.code, 0);
    const csv = await report(env, cwd, '--since', '1h', '--format', 'csv', '--config', `${cwd}/test-config.yaml`);
    assert.match(csv.output, /^sid,name,status,/);
    assert.match(csv.output, /,refused-1,unrecorded,/);
  } finally {
    standin.faults.length = 0;
    await recorder.stop();
    standin.removeRoom('refused-1');
    standin.removeRoom('lobby-1');
  }
});

test('retention: at startup, sessions older than ledger.retention are deleted and said in one line with their count', { timeout }, async () => {
  const cwd = tempDir();
  const env = baseEnv(standin, ENV);
  let recorder = await startRecorder({ env, cwd });
  const created = BigInt(Math.floor(Date.now() / 1000) - 2 * 3600);
  const old = standin.addRoom('two-hours-old', { creationTime: created });
  const fresh = standin.addRoom('just-started');
  try {
    await hook(recorder, eventBody('room_started', { room: { name: old.name, sid: old.sid, creationTime: created } }));
    await hook(recorder, eventBody('room_started', { room: { name: fresh.name, sid: fresh.sid } }));
    await until(async () => (await reportJson(env, cwd, '--since', '3h')).rooms.length === 2, 'both sessions in the ledger', 10000, 50);
    assert.doesNotMatch(recorder.output, /ledger retention: deleted/, 'none older than 400 days');
    await recorder.stop();

    recorder = await startRecorder({ env: { ...env, LEDGER_RETENTION: '1h' }, cwd });
    // log: the line is the behaviour, what the operator is told a run of retention did
    await recorder.waitForLogLine(/ledger retention: deleted the sessions older than ledger.retention sessions=1 steps=1 ms=\d+ longest_step_ms=\d+/);
    const { rooms } = await reportJson(env, cwd, '--since', '3h');
    assert.deepEqual(rooms.map((r) => r.name), ['just-started']);
  } finally {
    await recorder.stop();
    standin.removeRoom(old.name);
    standin.removeRoom(fresh.name);
  }
});

test('report refuses what it cannot read, with the setting or argument named', { timeout }, async () => {
  const cwd = tempDir();
  const env = baseEnv(standin, {});
  const never = await report(env, cwd, '--since', '1h');
  assert.equal(never.code, 1);
  assert.match(never.output, /ledger\.path \(LEDGER_PATH\) .*ledger\.db/);
  const badSince = await report(env, cwd, '--since', 'yesterday');
  assert.equal(badSince.code, 1);
  assert.match(badSince.output, /--since "yesterday" is not a time/);
  const badStatus = await report(env, cwd, '--status', 'done');
  assert.equal(badStatus.code, 1);
  assert.match(badStatus.output, /--status "done" is not a status/);
  const off = await report({ ...env, LEDGER: 'off' }, cwd);
  assert.equal(off.code, 1);
  assert.match(off.output, /the ledger is off/);
});

test('an explicit ledger.path that cannot be written stops startup; the default one turns the ledger off with a warning', { timeout }, async () => {
  const env = baseEnv(standin, {});
  const refused = await runToExit({ env: { ...env, LEDGER_PATH: '/nonexistent/dir/ledger.db' }, cwd: tempDir() });
  assert.equal(refused.code, 1);
  assert.match(refused.output, /ledger\.path \(LEDGER_PATH\) \/nonexistent\/dir\/ledger\.db: /);
  const recorder = await startRecorder({ env, cwd: '/proc' });
  try {
    assert.match(recorder.output, /ledger off: its default file cannot be opened here/);
    assert.match(recorder.output, /auto-recorder ready .*ledger=off/);
    // Said by a gauge the alert AutoRecorderLedgerOff reads; every series exists from startup,
    // the ledger's at 0 (a panel or an alert on a missing series shows "No data").
    const metrics = await recorder.metrics();
    for (const series of ['auto_recorder_ledger_enabled', 'auto_recorder_ledger_dropped_total', 'auto_recorder_ledger_queue', 'auto_recorder_connections_evicted_total']) {
      assert.match(metrics, new RegExp(`^${series} 0$`, 'm'));
    }
  } finally {
    await recorder.stop();
  }
});

test('eight API clients at once are all answered, on the readers\' threads; none is refused', { timeout }, async () => {
  const token = `api-token-${Date.now()}`;
  const recorder = await startRecorder({ env: { ...baseEnv(standin, ENV), API_TOKEN: token }, cwd: tempDir() });
  const room = standin.addRoom('eight-readers');
  try {
    await hook(recorder, eventBody('room_started', { room: { name: room.name, sid: room.sid } }));
    await recorder.waitForLedgerRoom('eight-readers');
    const paths = ['/v1/rooms?since=1h', '/ui', `/v1/rooms/${room.sid}`, '/v1/rooms?since=400d&name=*readers'];
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) =>
      fetch(`${recorder.url}${paths[i % paths.length]}`, { headers: { authorization: `Bearer ${token}` } })));
    for (const answer of answers) assert.equal(answer.status, 200, await answer.text());
    assert.match(await recorder.metrics(), /^auto_recorder_ledger_enabled 1$/m);
    assert.equal(await recorder.metric('auto_recorder_ledger_reads_total', { result: 'busy' }), 0);
    assert.ok(await recorder.metric('auto_recorder_ledger_reads_total', { result: 'ok' }) >= 8);
  } finally {
    await recorder.stop();
    standin.removeRoom('eight-readers');
  }
});

test('the API: off without api_token; with it, 401 without the token, rooms in pages, one room, 400 naming a bad parameter', { timeout }, async () => {
  const get = (recorder, path, token, method = 'GET') =>
    fetch(`${recorder.url}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });

  const off = await startRecorder({ env: baseEnv(standin, ENV), cwd: tempDir() });
  try {
    const answer = await get(off, '/v1/rooms', 'anything');
    assert.equal(answer.status, 404);
    assert.match(await answer.text(), /the API is off until api_token is set/);
  } finally {
    await off.stop();
  }

  const token = `api-token-${Date.now()}`;
  const recorder = await startRecorder({ env: { ...baseEnv(standin, ENV), API_TOKEN: token }, cwd: tempDir() });
  const names = ['api-room-a', 'api-room-b', 'api-room-c'];
  try {
    for (const name of names) {
      const room = standin.addRoom(name);
      await hook(recorder, eventBody('room_started', { room: { name, sid: room.sid, metadata: `{"room":"${name}"}` } }));
    }
    for (const name of names) await recorder.waitForRecorded(standin, name);

    const missing = await get(recorder, '/v1/rooms');
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get('www-authenticate'), /^Bearer/);
    assert.equal((await get(recorder, '/v1/rooms', `${token}x`)).status, 401);
    assert.equal((await get(recorder, '/v1/rooms', token.slice(0, -1))).status, 401);

    let rooms;
    await until(async () => {
      ({ rooms } = await (await get(recorder, '/v1/rooms?since=1h', token)).json());
      return rooms.length === 3 && rooms.every((r) => r.status === 'recording');
    }, 'three rooms recording in the API', 10000, 50);
    assert.deepEqual(rooms.map((r) => r.name).sort(), names);
    for (const room of rooms) assert.equal(room.recordings.length, 1);

    const first = await (await get(recorder, '/v1/rooms?since=1h&limit=2', token)).json();
    assert.equal(first.rooms.length, 2);
    assert.ok(first.next_page_token);
    const second = await (await get(recorder, `/v1/rooms?since=1h&limit=2&page_token=${encodeURIComponent(first.next_page_token)}`, token)).json();
    assert.equal(second.rooms.length, 1);
    assert.equal(second.next_page_token, '');
    assert.deepEqual([...first.rooms, ...second.rooms].map((r) => r.sid), rooms.map((r) => r.sid), 'newest first, no room twice');

    // No query string at all: the defaults (the last 24 hours).
    const bare = await get(recorder, '/v1/rooms', token);
    assert.equal(bare.status, 200);
    assert.equal((await bare.json()).rooms.length, 3);

    // Metadata: left out of lists unless asked; a room's own answer has it.
    assert.ok(rooms.every((r) => !('metadata' in r)));
    const asked = (await (await get(recorder, '/v1/rooms?since=1h&fields=metadata', token)).json()).rooms;
    assert.deepEqual(asked.map((r) => [r.metadata, r.metadata_truncated, r.metadata_bytes]),
      rooms.map((r) => [`{"room":"${r.name}"}`, false, `{"room":"${r.name}"}`.length]));
    const one = await get(recorder, `/v1/rooms/${rooms[0].sid}`, token);
    assert.equal(one.status, 200);
    const room = await one.json();
    assert.equal(room.name, rooms[0].name);
    assert.equal(room.metadata, `{"room":"${room.name}"}`);
    assert.equal((await get(recorder, '/v1/rooms/RM_nope', token)).status, 404);
    const byName = async (glob) => (await (await get(recorder, `/v1/rooms?since=1h&name=${encodeURIComponent(glob)}`, token)).json())
      .rooms.map((r) => r.name).sort();
    assert.deepEqual(await byName('api-room-?'), ['api-room-a', 'api-room-b', 'api-room-c']);
    assert.deepEqual(await byName('*-b'), ['api-room-b']);
    assert.deepEqual(await byName('API-room-*'), [], 'case counts');

    for (const [query, parameter] of [['status=done', 'status'], ['since=yesterday', 'since'], ['until=x', 'until'],
      ['limit=0', 'limit'], ['limit=5000', 'limit'], ['bogus=1', 'bogus'], ['page_token=nope', 'page_token'],
      ['fields=files', 'fields']]) {
      const answer = await get(recorder, `/v1/rooms?${query}`, token);
      assert.equal(answer.status, 400, query);
      assert.match(await answer.text(), new RegExp(`query parameter ${parameter}`), query);
    }
    assert.equal((await get(recorder, '/v1/rooms', token, 'POST')).status, 405);
  } finally {
    await recorder.stop(); // asserts that API_TOKEN never appeared in the output
    for (const name of names) standin.removeRoom(name);
  }
});

test('--check-config opens the ledger read-only and says its schema; one it cannot use is an error', { timeout }, async () => {
  const cwd = tempDir();
  const env = baseEnv(standin, ENV);
  const check = (dir) => runToExit({ env, cwd: dir, args: ['--check-config'] });
  const before = await check(cwd);
  assert.equal(before.code, 0, before.output);
  assert.match(before.output, /^# ledger: ledger\.db: not made yet; the service creates it \(schema \d+\) at its first start$/m);
  const recorder = await startRecorder({ env, cwd });
  try {
    const during = await check(cwd);
    assert.equal(during.code, 0, during.output);
    assert.match(during.output, /^# ledger: ledger\.db: schema \d+, this binary's$/m);
  } finally {
    await recorder.stop();
  }
  // A file that is no ledger: the default one turns the ledger off (a warning), a named one
  // stops the start, so --check-config fails.
  const junk = tempDir();
  writeFileSync(join(junk, 'ledger.db'), 'a shopping list, not a ledger\n');
  const warned = await check(junk);
  assert.equal(warned.code, 0, warned.output);
  assert.match(warned.output, /^# ledger: ledger\.db: .*\(the service starts with the ledger off\)$/m);
  const refused = await runToExit({ env: { ...env, LEDGER_PATH: join(junk, 'ledger.db') }, cwd: junk, args: ['--check-config'] });
  assert.equal(refused.code, 1, refused.output);
  assert.match(refused.output, /^# error: ledger: .*ledger\.db: .*\n# configuration is not valid: the service would refuse its ledger$/m);
});
