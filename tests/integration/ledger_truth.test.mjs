// The ledger tells the truth without its webhooks: the real binary against the LiveKit stand-in,
// each of the five webhooks that matter withheld in turn (and egress_ended with room_finished),
// with a recording that completes or fails as its room closes, with and without a restart of the
// recorder in between. Within three reconcile passes (RECONCILE_INTERVAL=1s) every session's row
// in the ledger is what LiveKit says: its status and end, its recording's status, end and files;
// and the application's receiver got exactly one room_session.finished for it, verified with the
// standardwebhooks package, with that status and those files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { EgressStatus } from '@livekit/protocol';
import { LiveKitStandIn } from './lib/standin.mjs';
import { BINARY, startRecorder, runToExit, baseEnv, tempDir, RETRIED } from './lib/recorder.mjs';
import { PostgresServer } from './lib/postgres.mjs';
import { eventBody, signBody, post } from './lib/webhooks.mjs';
import { until } from './lib/wait.mjs';
import { Receiver, newSecret } from './lib/receiver.mjs';
import { toldUnlike } from './lib/told.mjs';

let standin;
let receiver;
const SECRET = newSecret();
before(async () => {
  standin = await new LiveKitStandIn({ requireRooms: true }).start();
  receiver = await new Receiver({ secrets: [SECRET] }).start();
  ENV.NOTIFY_URL = receiver.url;
});
after(async () => {
  assert.deepEqual(standin.strictErrors, [], 'every request must parse strictly');
  assert.deepEqual(receiver.unverified, [], 'every notification verifies');
  await standin.stop();
  await receiver.stop();
});

const TOKEN = 'ledger-truth-token-0123';
const ENV = { RECONCILE_INTERVAL: '1s', RETRY_INITIAL_DELAY: '100ms', RETRY_MAX_DELAY: '400ms', API_TOKEN: TOKEN, NOTIFY_SECRET: SECRET };
const HOOKS = ['room_started', 'egress_started', 'egress_updated', 'egress_ended', 'room_finished'];
const LOST = [...HOOKS.map((hook) => [hook]), ['egress_ended', 'room_finished']];

async function hook(recorder, event, fields) {
  const body = eventBody(event, fields);
  const answer = await post(`${recorder.url}/webhook-receiver`, body, { authorization: await signBody(body, recorder.webhookAuth) });
  assert.equal(answer.status, 200, answer.text);
}

// `orNull`: null for a 404, such as a session the ledger has not written yet (the writer is
// asynchronous, and slower under the sanitizers).
async function api(recorder, path, { orNull = false } = {}) {
  const answer = await fetch(`${recorder.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  if (orNull && answer.status === 404) return null;
  assert.equal(answer.status, 200, path);
  return answer.json();
}

const session = (recorder, sid) => api(recorder, `/v1/rooms/${sid}`, { orNull: true });

async function metric(recorder, pattern) {
  const text = await (await fetch(`${recorder.url}/metrics`)).text();
  return Number(text.match(pattern)?.[1] ?? NaN);
}

// A room's life in LiveKit, told by its webhooks except the `lost` ones: it starts, and the
// recorder starts its recording (from the webhook, or from its next reconcile pass)...
async function begin(recorder, { name, lost, failAtClose }) {
  const room = standin.addRoom(name);
  const truth = { name, sid: room.sid, lost, failAtClose };
  await tell(recorder, truth, 'room_started', { room: { name, sid: room.sid } });
  await until(() => standin.startsFor(name).length === 1, `${name} recording`, 5000);
  truth.egressId = standin.startsFor(name)[0].egressId;
  await tell(recorder, truth, 'egress_started', { egressInfo: standin.snapshot(truth.egressId) });
  standin.egresses.find((e) => e.egressId === truth.egressId).status = EgressStatus.EGRESS_ACTIVE;
  await tell(recorder, truth, 'egress_updated', { egressInfo: standin.snapshot(truth.egressId) });
  return truth;
}

// ...then it closes, its recording ending with it (or failing as it closes).
async function end(recorder, truth) {
  const { name, sid, egressId, failAtClose } = truth;
  standin.removeRoom(name, failAtClose ? { status: EgressStatus.EGRESS_FAILED, error: 'upload failed: bucket gone' } : {});
  truth.closedAt = Date.now();
  await tell(recorder, truth, 'egress_ended', { egressInfo: standin.snapshot(egressId) });
  await tell(recorder, truth, 'room_finished', { room: { name, sid } });
  return truth;
}

async function tell(recorder, truth, event, fields) {
  if (!truth.lost.includes(event)) await hook(recorder, event, fields);
}

// What is not true in the ledger's row, compared with LiveKit; [] when it is all true.
function untrue(row, truth) {
  const wrong = [];
  const check = (ok, what) => { if (!ok) wrong.push(what); };
  const egress = standin.egresses.find((e) => e.egressId === truth.egressId);
  check(row.status === (truth.failAtClose ? 'partial' : 'recorded'), `status ${row.status}`);
  const finished = Date.parse(row.finished_at);
  check(Math.abs(finished - truth.closedAt) < 1500, `finished_at ${row.finished_at} is ${finished - truth.closedAt} ms from the close`);
  check(row.recordings.length === 1, `${row.recordings.length} recordings`);
  const [r] = row.recordings;
  check(r?.egress_id === truth.egressId, `egress ${r?.egress_id}`);
  check(r?.status === EgressStatus[egress.status], `recording status ${r?.status}`);
  check(Date.parse(r?.ended_at) === Number(egress.endedAt / 1000000n), `recording ended_at ${r?.ended_at}`);
  if (truth.failAtClose) {
    check(r?.error === egress.error, `error "${r?.error}"`);
  } else {
    check(r?.files?.[0]?.location === egress.fileResults[0].location && r?.files?.[0]?.size === Number(egress.fileResults[0].size), 'files');
  }
  check(row.start_error === '' && row.restarts === 0, 'start_error or restarts');
  check(row.closed_by === (truth.lost.includes('room_finished') ? 'reconciler' : ''), `closed_by "${row.closed_by}"`);
  return wrong;
}

// After three passes. A fourth shows the third's corrections were written: each pass reads the
// ledger only after every entry told before it is written.
async function assertTrue(recorder, truths) {
  await recorder.waitForPasses(4);
  for (const truth of truths) {
    const row = await api(recorder, `/v1/rooms/${truth.sid}`);
    const what = `${truth.name}: lost ${truth.lost.join(' and ')}${truth.failAtClose ? ', failed as it closed' : ''}`;
    assert.deepEqual(untrue(row, truth), [], what);
    // The application was told once, what the ledger says.
    const [told] = await receiver.finished(truth.sid);
    assert.equal(receiver.accepted('room_session.finished', truth.sid).length, 1, `${what}: one room_session.finished`);
    assert.deepEqual(toldUnlike(told.data, row), [], `${what}: the status and recordings told`);
  }
}

function cases(prefix) {
  return LOST.flatMap((lost) => [false, true].map((failAtClose) => ({
    name: `${prefix}-${lost.join('-')}${failAtClose ? '-failed' : ''}`.replaceAll('_', '-'), lost, failAtClose,
  })));
}

test('with any one webhook lost, or egress_ended and room_finished together, the ledger is true within 3 passes', { timeout: 60_000 }, async () => {
  const cwd = tempDir();
  const recorder = await startRecorder({ env: baseEnv(standin, ENV), cwd });
  try {
    const begun = await Promise.all(cases('lost').map((c) => begin(recorder, c)));
    const truths = await Promise.all(begun.map((truth) => end(recorder, truth)));
    await assertTrue(recorder, truths);
    // Each session counted once, by its final status.
    assert.equal(await metric(recorder, /auto_recorder_room_sessions_total\{status="recorded"\} (\d+)/), LOST.length);
    assert.equal(await metric(recorder, /auto_recorder_room_sessions_total\{status="partial"\} (\d+)/), LOST.length);
    assert.ok(await metric(recorder, /auto_recorder_ledger_corrections_total\{change="session_closed"\} (\d+)/) >= 4);
    // The audit says so: partial sessions make it exit 3.
    const { code } = await runToExit({ env: baseEnv(standin, ENV), cwd, args: ['report', '--since', '1h'] });
    assert.equal(code, 3);
  } finally {
    await recorder.stop();
  }
});

test('the same, with the recorder restarted while the recordings run', { timeout: 60_000 }, async () => {
  const cwd = tempDir();
  const env = baseEnv(standin, ENV);
  let recorder = await startRecorder({ env, cwd });
  try {
    const begun = await Promise.all(cases('restart').map((c) => begin(recorder, c)));
    await recorder.stop();
    recorder = await startRecorder({ env, cwd });
    const truths = await Promise.all(begun.map((truth) => end(recorder, truth)));
    await assertTrue(recorder, truths);
  } finally {
    await recorder.stop();
  }
});

test('a recording that fails mid-room without its egress_ended is restarted, and the restart counted', { timeout: 60_000 }, async () => {
  const recorder = await startRecorder({ env: baseEnv(standin, ENV), cwd: tempDir() });
  try {
    const room = standin.addRoom('failed-silently');
    await hook(recorder, 'room_started', { room: { name: room.name, sid: room.sid } });
    await until(() => standin.startsFor(room.name).length === 1, 'the recording', 5000);
    standin.endEgress(standin.startsFor(room.name)[0].egressId, EgressStatus.EGRESS_FAILED, 'pipeline crashed');
    await until(() => standin.startsFor(room.name).length === 2, 'the restart', 5000);
    let row;
    await until(async () => { row = await session(recorder, room.sid); return row?.recordings.length === 2; }, 'both recordings in the ledger', 5000);
    assert.equal(row.restarts, 1);
    assert.equal(row.status, 'partial');
    assert.equal(row.recordings[0].status, 'EGRESS_FAILED');
    assert.equal(row.recordings[0].error, 'pipeline crashed');
    assert.ok(row.recordings[0].ended_at);
    standin.removeRoom(room.name);
  } finally {
    await recorder.stop();
  }
});

test('an EGRESS_COMPLETE that recorded nothing (a file of size 0) is a failure: restarted while the room lives, the session partial', { timeout: 60_000 }, async () => {
  const recorder = await startRecorder({ env: baseEnv(standin, ENV), cwd: tempDir() });
  try {
    const room = standin.addRoom('empty-file');
    await hook(recorder, 'room_started', { room: { name: room.name, sid: room.sid } });
    await until(() => standin.startsFor(room.name).length === 1, 'the recording', 5000);
    const { egressId } = standin.startsFor(room.name)[0];
    const ended = standin.endEgress(egressId, EgressStatus.EGRESS_COMPLETE, '', 0, { empty: true });
    ended.retryCount = 2; // what egress 1.14+ adds: kept in the ledger and its API
    ended.backupStorageUsed = true;
    await hook(recorder, 'egress_ended', { egressInfo: standin.snapshot(egressId) });
    await until(() => standin.startsFor(room.name).length === 2, 'the restart', 5000);
    let row;
    await until(async () => { row = await session(recorder, room.sid); return row?.recordings.length === 2; }, 'both recordings in the ledger', 5000);
    assert.equal(row.status, 'partial');
    assert.equal(row.restarts, 1);
    assert.equal(row.recordings[0].egress_id, egressId);
    assert.equal(row.recordings[0].status, 'EGRESS_FAILED');
    assert.match(row.recordings[0].error, /^EGRESS_COMPLETE without a recording: a file of size 0 at /);
    assert.equal(row.recordings[0].retry_count, 2);
    assert.equal(row.recordings[0].backup_storage_used, true);
    assert.ok(await metric(recorder, /auto_recorder_recordings_ended_failed_total\{status="failed",phase="during_room"\} (\d+)/) >= 1, 'counted as a failure');
    standin.removeRoom(room.name);
  } finally {
    await recorder.stop();
  }
});

test('room_finished while a start waits to retry after a lost answer keeps the recording it made', { timeout: 60_000 }, async () => {
  const recorder = await startRecorder({ env: baseEnv(standin, { ...ENV, RETRY_INITIAL_DELAY: '3s', RETRY_MAX_DELAY: '3s', RECONCILE_INTERVAL: '0' }), cwd: tempDir() });
  try {
    standin.inject({ method: 'StartRoomCompositeEgress', loseAnswer: true });
    const room = standin.addRoom('answer-lost');
    await hook(recorder, 'room_started', { room: { name: room.name, sid: room.sid } });
    await recorder.waitForMetric(RETRIED, { code: 'connection_error' }, 1); // the answer lost: a retry waits
    standin.removeRoom(room.name);
    await hook(recorder, 'room_finished', { room: { name: room.name, sid: room.sid } });
    await recorder.waitForNoPendingStarts();
    let row;
    await until(async () => { row = await session(recorder, room.sid); return row?.finished_at; }, 'the session finished', 5000);
    assert.equal(standin.startsFor(room.name).length, 1);
    assert.equal(row.recordings.length, 1, 'the egress that exists belongs to its session');
    assert.equal(row.recordings[0].egress_id, standin.startsFor(room.name)[0].egressId);
    assert.equal(row.start_error, '');
    assert.notEqual(row.status, 'unrecorded');
  } finally {
    standin.faults.length = 0;
    await recorder.stop();
  }
});

test('report: a session that started 25 h ago and failed now is in today\'s audit; mistakes are errors', { timeout: 60_000 }, async () => {
  const cwd = tempDir();
  const env = baseEnv(standin, ENV);
  const recorder = await startRecorder({ env, cwd });
  try {
    const started = BigInt(Math.floor(Date.now() / 1000) - 25 * 3600);
    const room = standin.addRoom('yesterdays-hearing', { creationTime: started });
    await hook(recorder, 'room_started', { room: { name: room.name, sid: room.sid, creationTime: started } });
    await until(() => standin.startsFor(room.name).length === 1, 'the recording', 5000);
    standin.removeRoom(room.name, { status: EgressStatus.EGRESS_FAILED, error: 'upload failed' });
    await recorder.waitForPasses(3);
    const { code, output } = await runToExit({ env, cwd, args: ['report', '--since', '24h', '--format', 'json'] });
    assert.equal(code, 3, output);
    const [row] = JSON.parse(output).rooms;
    assert.equal(row.name, 'yesterdays-hearing');
    assert.equal(row.status, 'partial');
    assert.ok(Date.parse(row.started_at) < Date.now() - 24 * 3600 * 1000);
    for (const [args, message] of [
      [['--since', '1h', '--until', '2h'], /--until \(.*\) is earlier than --since/],
      [['--since', '2026-11-30T08:00:00Z', '--until', '2026-11-30T08:00:00Z'], /the window from --since to --until is empty/],
      [['--since', '2026-11-30T08:00:00+24:00'], /UTC offset is out of range/],
      [['--since', '99999d'], /more than 36500 days back/]]) {
      const refused = await runToExit({ env, cwd, args: ['report', ...args] });
      assert.equal(refused.code, 1, args.join(' '));
      assert.match(refused.output, message);
    }
    // A write that fails (a full disk) is an error, not a clean audit.
    const full = openSync('/dev/full', 'w');
    const written = spawnSync(BINARY, ['report', '--since', '30h'], { cwd, env, stdio: ['ignore', full, 'pipe'], timeout: 10000 });
    closeSync(full);
    assert.equal(written.status, 1);
    assert.match(written.stderr.toString(), /cannot write the report to standard output: No space left on device/);
  } finally {
    await recorder.stop();
  }
});

test('PostgreSQL down, sessions in between, SIGTERM, PostgreSQL back, restart: every session is there, true', { timeout: 60_000 }, async () => {
  const postgres = new PostgresServer().start();
  const cwd = tempDir();
  const env = baseEnv(standin, { ...ENV, LEDGER_POSTGRES_URL: postgres.url });
  let recorder = await startRecorder({ env, cwd, secrets: [postgres.password] });
  try {
    postgres.kill();
    const truths = [];
    for (let i = 0; i < 6; i += 1) {
      const name = `outage-${i}`;
      const room = standin.addRoom(name);
      await hook(recorder, 'room_started', { room: { name, sid: room.sid } });
      await until(() => standin.startsFor(name).length === 1, `${name} recording`, 5000);
      standin.removeRoom(name, i % 2 ? { status: EgressStatus.EGRESS_FAILED, error: 'failed' } : {});
      await hook(recorder, 'egress_ended', { egressInfo: standin.snapshot(standin.startsFor(name)[0].egressId) });
      await hook(recorder, 'room_finished', { room: { name, sid: room.sid } });
      truths.push({ sid: room.sid, status: i % 2 ? 'partial' : 'recorded' });
    }
    await until(async () => (await metric(recorder, /^auto_recorder_ledger_queue (\S+)$/m)) > 0, 'entries waiting', 5000);
    assert.ok(await metric(recorder, /^auto_recorder_ledger_queue_bytes (\S+)$/m) > 0, 'their bytes, the bound counts');
    await recorder.stop();
    assert.match(recorder.output, /ledger unreachable at stop: entries kept in the spill file for the next start entries=\d+/);
    postgres.restart();
    recorder = await startRecorder({ env, cwd, secrets: [postgres.password] });
    assert.match(recorder.output, /ledger: writing what the last stop could not, before anything new entries=\d+/);
    await until(async () => {
      const rooms = (await api(recorder, '/v1/rooms?since=1h')).rooms;
      return truths.every((t) => rooms.find((r) => r.sid === t.sid)?.status === t.status);
    }, 'every session present with its true status', 10000, 50);
    assert.equal(await metric(recorder, /auto_recorder_ledger_dropped_total (\d+)/), 0);
  } finally {
    await recorder.stop();
    postgres.stop();
  }
});
