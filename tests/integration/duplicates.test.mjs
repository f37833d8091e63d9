// Duplicates healed: LiveKit's own auto-egress (RoomEgress) starts a composite with the room, but
// lists it 50–500 ms later, after the recorder's ListEgress check found nothing and started its
// own. Within one reconcile pass (or at once, from the other's egress_started) the recorder stops
// its own recording and keeps the oldest; it never stops a recording it did not start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EgressStatus } from '@livekit/protocol';
import { LiveKitStandIn } from './lib/standin.mjs';
import { startRecorder, baseEnv, tempDir } from './lib/recorder.mjs';
import { sendEvent } from './lib/webhooks.mjs';
import { until } from './lib/wait.mjs';

const timeout = 60_000;
const TOKEN = 'tok-7f3c9a1b2e4d6f80';
const HEALED = 'auto_recorder_duplicates_stopped_total';

let standin;
before(async () => { standin = await new LiveKitStandIn({ requireRooms: true }).start(); });
after(async () => {
  assert.deepEqual(standin.strictErrors, [], 'every request must parse strictly');
  await standin.stop();
});

const stops = () => standin.calls.filter((c) => c.method === 'StopEgress').map((c) => c.request?.egressId);
const active = (egress) => egress.status <= 2; // STARTING, ACTIVE, ENDING

// A room LiveKit creates with its own auto-egress, and the room_started it sends at once.
async function roomWithAutoEgress(recorder, name, options) {
  const room = standin.addRoom(name);
  const listed = standin.autoEgress(name, options); // started now, listed later
  await sendEvent(recorder, 'room_started', { room: { name, sid: room.sid } });
  await recorder.waitForRecorded(standin, name);
  return { room, auto: await listed, ours: standin.startsFor(name)[0] };
}

test('LiveKit\'s auto-egress listed 50–500 ms after room_started: ours is stopped within one pass, the oldest kept, the ledger says why', { timeout }, async () => {
  const recorder = await startRecorder({ env: baseEnv(standin, { RECONCILE_INTERVAL: '1s', API_TOKEN: TOKEN }), cwd: tempDir() });
  const names = ['auto-50', 'auto-250', 'auto-500'];
  try {
    const rooms = await Promise.all(names.map((name, i) => roomWithAutoEgress(recorder, name, { listedAfterMs: [50, 250, 500][i] })));
    // All listed now: the pass under way may have listed egresses before, the next one cannot
    // miss them. Ours are stopped by then (the look and the stop follow the pass that saw them).
    const listedAt = await recorder.reconcilePasses();
    await until(() => rooms.every(({ ours }) => stops().includes(ours.egressId)), 'our duplicates stopped');
    assert.ok(await recorder.reconcilePasses() <= listedAt + 2, 'within one pass after the listing');
    for (const { auto, ours } of rooms) {
      assert.ok(stops().includes(ours.egressId), `ours (${ours.egressId}) stopped`);
      assert.ok(!stops().includes(auto.egressId), 'LiveKit\'s own is never stopped');
      assert.ok(active(auto), 'the oldest runs on');
    }
    assert.equal(stops().length, names.length, 'one StopEgress per duplicate');
    await recorder.waitForMetric(HEALED, { outcome: 'stopped' }, names.length);
    for (const { room, auto, ours } of rooms) {
      const row = await recorder.waitForLedgerRoom(room.name, (r) => r.recordings?.some((x) => x.duplicate_of));
      const stopped = row.recordings.find((r) => r.egress_id === ours.egressId);
      assert.equal(stopped.duplicate_of, auto.egressId, 'stopped: duplicate, of the one kept');
      assert.equal(row.status, 'recording', 'the session is still recorded, once');
    }
    // Its end (EGRESS_COMPLETE while the room lives) is no stop on purpose, and nothing more is
    // stopped or started by the passes after.
    const starts = standin.egresses.length;
    await recorder.waitForPasses(2);
    assert.equal(stops().length, names.length);
    assert.equal(standin.egresses.length, starts);
  } finally {
    for (const name of names) standin.removeRoom(name);
    await recorder.stop();
  }
});

test('the other recording\'s egress_started heals at once, without a pass', { timeout }, async () => {
  const recorder = await startRecorder({ env: baseEnv(standin, { RECONCILE_INTERVAL: '0' }), cwd: tempDir() });
  try {
    const { auto, ours } = await roomWithAutoEgress(recorder, 'auto-webhook', { listedAfterMs: 100 });
    await sendEvent(recorder, 'egress_started', { egressInfo: auto });
    await until(() => stops().includes(ours.egressId), 'our duplicate stopped');
    assert.ok(!stops().includes(auto.egressId));
  } finally {
    standin.removeRoom('auto-webhook');
    await recorder.stop();
  }
});

test('never stopped: ours when it is the oldest, ours beside a stream-only composite, anything with HEAL_DUPLICATES=false', { timeout }, async () => {
  const before = stops().length;
  // One recorder at a time: two against the same rooms, without Redis, would each start their
  // own recording of a room the other's webhook was about (a pass between addRoom and the
  // webhook), and heal it, rightly.
  const recorder = await startRecorder({ env: baseEnv(standin, { RECONCILE_INTERVAL: '1s' }), cwd: tempDir() });
  try {
    // The application starts a second composite after ours: ours is the oldest, theirs is theirs.
    const app = standin.addRoom('app-second');
    await sendEvent(recorder, 'room_started', { room: { name: app.name, sid: app.sid } });
    await recorder.waitForRecorded(standin, app.name);
    standin.startsFor(app.name)[0].status = EgressStatus.EGRESS_ACTIVE; // ours records
    await standin.autoEgress(app.name, { listedAfterMs: 0, startedAt: BigInt(Date.now()) * 1000000n });
    // An RTMP composite older than ours: a stream, not a recording.
    await roomWithAutoEgress(recorder, 'streamed', { listedAfterMs: 100, streamOnly: true });
    await recorder.waitForPasses(2);
    // Evidence that the recorder looked at app-second's two recordings (the start's check, then
    // a pass's look), and one more pass for any stop to follow.
    await until(() => standin.callsFor('ListEgress', 'app-second').length >= 2, 'a look at app-second');
    await recorder.waitForPasses(1);
    assert.deepEqual(stops().slice(before), [], 'no StopEgress at all');
    assert.equal(await recorder.metric(HEALED), 0);
  } finally {
    for (const name of ['app-second', 'streamed']) standin.removeRoom(name);
    await recorder.stop();
  }

  // Healing off: a real duplicate runs on.
  const off = await startRecorder({ env: baseEnv(standin, { RECONCILE_INTERVAL: '1s', HEAL_DUPLICATES: 'false' }), cwd: tempDir() });
  try {
    await roomWithAutoEgress(off, 'heal-off', { listedAfterMs: 100 });
    await off.waitForPasses(2);
    assert.deepEqual(stops().slice(before), [], 'no StopEgress at all');
    assert.equal(await off.metric(HEALED), 0);
  } finally {
    standin.removeRoom('heal-off');
    await off.stop();
  }
});
