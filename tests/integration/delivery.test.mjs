// Every room recorded exactly once: through duplicated, reordered and lost webhooks, a busy
// egress fleet, failed recordings and a recorder killed mid-burst.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { EgressStatus, EgressInfo } from '@livekit/protocol';
import { LiveKitStandIn } from './lib/standin.mjs';
import { startRecorder, baseEnv, STARTED, SKIPPED, RETRIED, FAILED, ENDED_FAILED } from './lib/recorder.mjs';
import { eventBody, eventId, roomSid, signBody, post, deliverEvent, deliver } from './lib/webhooks.mjs';
import { until } from './lib/wait.mjs';

// Each test's own limit, so that a hang names the test (ctest's limit names only the file).
const timeout = 60_000;

let standin;
before(async () => { standin = await new LiveKitStandIn({ requireRooms: true }).start(); });
after(async () => {
  assert.deepEqual(standin.strictErrors, [], 'every request must parse strictly');
  await standin.stop();
});
// Each test begins with LiveKit empty, so a reconcile pass starts only the rooms of its test and
// the recorder's counters are that test's.
afterEach(() => {
  for (const name of [...standin.rooms.keys()]) standin.removeRoom(name);
  standin.preexisting.length = 0;
});

// Fast retries keep the suite quick; the policy is the same at the defaults (unit-tested).
const FAST = { RETRY_INITIAL_DELAY: '100ms', RETRY_MAX_DELAY: '400ms', RECONCILE_INTERVAL: '0' };

async function withRecorder(extraEnv, body) {
  const recorder = await startRecorder({ env: baseEnv(standin, { ...FAST, ...extraEnv }) });
  try {
    return await body(recorder);
  } finally {
    standin.faults.length = 0;
    await recorder.stop();
  }
}


// A room LiveKit knows, and the room_started webhook body for it.
function liveRoom(name) {
  const room = standin.addRoom(name);
  return { room, body: eventBody('room_started', { room: { name, sid: room.sid } }) };
}

async function postSigned(recorder, body) {
  return post(`${recorder.url}/webhook-receiver`, body, { authorization: await signBody(body, recorder.webhookAuth) });
}

// origin=reconciler: every recording this process started came from a reconcile pass (no
// webhook named a room, no start was a restart), and there was at least one.
async function assertAllByReconciler(recorder) {
  const started = await recorder.metric(STARTED);
  assert.ok(started > 0, 'a recording was started');
  assert.equal(await recorder.metric(STARTED, { origin: 'reconciler' }), started, 'every start came from a reconcile pass');
}

test('the same event delivered twice starts one recording', { timeout }, async () => {
  await withRecorder({}, async (recorder) => {
    const { body } = liveRoom('dup-same-id');
    assert.equal((await postSigned(recorder, body)).status, 200);
    await recorder.waitForRecorded(standin, 'dup-same-id');
    const again = await postSigned(recorder, body);
    assert.deepEqual([again.status, again.text.trim()], [200, 'ok: duplicate']);
    assert.equal(await recorder.metric(SKIPPED, { reason: 'duplicate_event' }), 1);
    await recorder.waitForNoPendingStarts(); // the duplicate began no start of its own
    assert.equal(standin.startsFor('dup-same-id').length, 1);
  });
});

test('a second room_started for the same room sid with a new event id starts nothing', { timeout }, async () => {
  await withRecorder({}, async (recorder) => {
    const { room } = liveRoom('dup-new-id');
    const first = eventBody('room_started', { room: { name: room.name, sid: room.sid } });
    const second = eventBody('room_started', { room: { name: room.name, sid: room.sid } });
    assert.notEqual(JSON.parse(first).id, JSON.parse(second).id);
    const answers = await Promise.all([postSigned(recorder, first), postSigned(recorder, second)]);
    assert.deepEqual(answers.map((a) => a.status), [200, 200]);
    // Both were decided before their answers; no start pending: none is still on its way.
    assert.deepEqual(answers.map((a) => a.text.trim()).sort(), ['ok', 'ok: duplicate']);
    assert.equal(await recorder.metric(SKIPPED, { reason: 'duplicate_room' }), 1, 'the second is a duplicate of the room');
    await recorder.waitForRecorded(standin, 'dup-new-id');
    assert.equal(standin.startsFor('dup-new-id').length, 1);
  });
});

test('participant and track events do not push room sids out of the dedupe memory', { timeout }, async () => {
  await withRecorder({ DEDUPE_CAPACITY: '100' }, async (recorder) => {
    const { body } = liveRoom('busy-room');
    await postSigned(recorder, body);
    await recorder.waitForRecorded(standin, 'busy-room');
    for (let i = 0; i < 150; i += 1) {
      const event = i % 2 ? 'participant_joined' : 'track_published';
      assert.equal((await postSigned(recorder, eventBody(event, { room: { name: 'busy-room' } }))).status, 200);
    }
    const retry = await postSigned(recorder, body); // LiveKit's late retry
    assert.deepEqual([retry.status, retry.text.trim()], [200, 'ok: duplicate']);
    assert.equal(await recorder.metric(SKIPPED, { reason: 'duplicate_event' }), 1);
    assert.equal(standin.startsFor('busy-room').length, 1);
    assert.equal(standin.calls.filter((c) => c.method === 'ListEgress' && c.request?.roomName === 'busy-room').length, 1,
      'the retry was recognised from memory, without asking LiveKit');
  });
});

test('"unavailable" three times, then success: one recording, every webhook answered fast', { timeout }, async () => {
  await withRecorder({}, async (recorder) => {
    standin.inject({ method: 'StartRoomCompositeEgress', times: 3, status: 503, code: 'unavailable', msg: 'no response from servers' });
    const { body } = liveRoom('busy-then-free');
    const answers = [await postSigned(recorder, body), await postSigned(recorder, body)];
    for (const answer of answers) {
      assert.equal(answer.status, 200);
      assert.ok(answer.ms < 1000, `answered in ${answer.ms} ms`);
    }
    await recorder.waitForRecorded(standin, 'busy-then-free', { timeoutMs: 8000 });
    assert.equal(standin.callsFor('StartRoomCompositeEgress', 'busy-then-free').length, 4, 'tried, then retried 3 times');
    assert.equal(await recorder.metric(RETRIED, { code: 'unavailable' }), 3);
    assert.equal(standin.startsFor('busy-then-free').length, 1);
  });
});

test('a start whose answer is lost after LiveKit acted on it gives one recording, not two', { timeout }, async () => {
  await withRecorder({}, async (recorder) => {
    // The start reaches LiveKit on the connection the ListEgress before it used; the egress is
    // created, then the connection drops before the answer (a proxy restart, an idle timeout).
    standin.inject({ method: 'StartRoomCompositeEgress', times: 1, loseAnswer: true });
    const { body } = liveRoom('lost-answer');
    assert.equal((await postSigned(recorder, body)).status, 200);
    await recorder.waitForMetric(RETRIED, { code: 'connection_error' }, 1);
    await recorder.waitForMetric(SKIPPED, { reason: 'already_recording' }, 1);
    await recorder.waitForNoPendingStarts();
    assert.equal(standin.startsFor('lost-answer').length, 1);
    assert.equal(standin.callsFor('StartRoomCompositeEgress', 'lost-answer').length, 1,
      'the start was sent once; the retry asked ListEgress first');
  });
});

test('a reset, a proxy\'s HTML 502 and a hanging call are retried: one recording each', { timeout }, async () => {
  await withRecorder({ API_REQUEST_TIMEOUT: '500ms' }, async (recorder) => {
    for (const [name, fault] of [['reset-start', { reset: true }], ['proxy-502', { html502: true }], ['hanging-start', { hang: true }]]) {
      standin.inject({ method: 'StartRoomCompositeEgress', times: 1, ...fault });
      const { body } = liveRoom(name);
      assert.equal((await postSigned(recorder, body)).status, 200);
      await recorder.waitForRecorded(standin, name);
      assert.equal(standin.startsFor(name).length, 1, name);
      assert.equal(standin.callsFor('StartRoomCompositeEgress', name).length, 2, `${name}: retried once`);
    }
    for (const code of ['connection_error', 'http_error', 'deadline_exceeded']) {
      assert.equal(await recorder.metric(RETRIED, { code }), 1, code);
    }
    // log: what the operator reads of a proxy's page instead of LiveKit's answer
    await recorder.waitForLogLine(/retrying room=proxy-502 .*code=http_502 error="the answer is not a Twirp error/);
  });
});

test('a permanent error is tried once, logged as a configuration problem, and not retried', { timeout }, async () => {
  await withRecorder({}, async (recorder) => {
    standin.inject({ method: 'StartRoomCompositeEgress', times: 5, status: 400, code: 'invalid_argument', msg: 'bad layout' });
    const { body } = liveRoom('permanent-error');
    await postSigned(recorder, body);
    await recorder.waitForMetric(FAILED, { code: 'invalid_argument' }, 1);
    await recorder.waitForNoPendingStarts(); // no retry is waiting: the room's attempt is over
    assert.equal(standin.callsFor('StartRoomCompositeEgress', 'permanent-error').length, 1);
    assert.equal(await recorder.metric(RETRIED), 0);
    // log: the error tells the operator to check the configuration, with LiveKit's reason
    await recorder.waitForLogLine(/LiveKit refused the request, check the configuration; not retried room=permanent-error .*code=invalid_argument error="bad layout"/);
  });
});

test('not_found means the room is gone: the recorder stops trying', { timeout }, async () => {
  await withRecorder({}, async (recorder) => {
    const body = eventBody('room_started', { room: { name: 'already-closed', sid: roomSid() } }); // not in LiveKit
    assert.equal((await postSigned(recorder, body)).status, 200);
    await recorder.waitForMetric(FAILED, { code: 'not_found' }, 1);
    await recorder.waitForNoPendingStarts(); // no retry is waiting: the room's attempt is over
    assert.equal(standin.callsFor('StartRoomCompositeEgress', 'already-closed').length, 1);
    assert.equal(await recorder.metric(RETRIED), 0);
  });
});

test('a room already recorded (by anyone) is not started again; a track egress does not count', { timeout }, async () => {
  await withRecorder({}, async (recorder) => {
    const { body } = liveRoom('already-recorded');
    const existing = standin.addEgress('already-recorded');
    await postSigned(recorder, body);
    await recorder.waitForMetric(SKIPPED, { reason: 'already_recording' }, 1);
    await recorder.waitForNoPendingStarts();
    assert.equal(standin.startsFor('already-recorded').length, 0);
    // LiveKit was asked once, and listed only the recording someone else started.
    assert.equal(standin.callsFor('ListEgress', 'already-recorded').length, 1);
    assert.deepEqual(standin.preexisting.map((e) => e.egressId), [existing.egressId]);

    const { body: trackBody } = liveRoom('only-track-egress');
    standin.addEgress('only-track-egress', { kind: 'track' });
    await postSigned(recorder, trackBody);
    await recorder.waitForRecorded(standin, 'only-track-egress');
  });
});

test('room_finished before room_started (reordered delivery) starts nothing', { timeout }, async () => {
  await withRecorder({}, async (recorder) => {
    const sid = roomSid();
    const finished = eventBody('room_finished', { room: { name: 'reordered', sid } });
    const started = eventBody('room_started', { room: { name: 'reordered', sid } });
    standin.addRoom('reordered'); // would be startable, were it not finished
    assert.equal((await postSigned(recorder, finished)).status, 200);
    assert.equal((await postSigned(recorder, started)).status, 200);
    assert.equal(await recorder.metric(SKIPPED, { reason: 'room_finished' }), 1, 'decided before the answer');
    await recorder.waitForNoPendingStarts(); // room_started began no start
    assert.equal(standin.startsFor('reordered').length, 0);
  });
});

test('room_finished while a start is being retried stops the retries', { timeout }, async () => {
  await withRecorder({}, async (recorder) => {
    standin.inject({ method: 'StartRoomCompositeEgress', times: 50, status: 503, code: 'unavailable' });
    const { room, body } = liveRoom('finished-while-retrying');
    await postSigned(recorder, body);
    await recorder.waitForMetric(RETRIED, { code: 'unavailable' }, 1);
    const calls = standin.calls.length; // the next retry is a second away
    await postSigned(recorder, eventBody('room_finished', { room: { name: room.name, sid: room.sid } }));
    await recorder.waitForNoPendingStarts(); // stopped trying: no retry is waiting for the room any more
    // One last look whether a start worked after all (its answer may have been lost), no start.
    const after = standin.calls.filter((c, i) => i >= calls && c.request?.roomName === 'finished-while-retrying');
    assert.deepEqual(after.map((c) => c.method), ['ListEgress']);
  });
});

test('a room that exists but whose webhook was lost is recorded by the reconciler', { timeout }, async () => {
  standin.addRoom('webhook-lost');
  await withRecorder({ RECONCILE_INTERVAL: '300ms' }, async (recorder) => {
    await recorder.waitForRecorded(standin, 'webhook-lost');
    standin.addRoom('webhook-lost-later');
    await recorder.waitForRecorded(standin, 'webhook-lost-later', { timeoutMs: 3000 });
    await recorder.waitForPasses(3); // the reconciler looked again: nothing is started twice
    assert.equal(standin.startsFor('webhook-lost').length, 1);
    assert.equal(standin.startsFor('webhook-lost-later').length, 1);
    await assertAllByReconciler(recorder);
    assert.equal(await recorder.metric(STARTED), 2);
  });
});

test('103 Early Hints from a proxy in front of LiveKit neither loses nor doubles a recording', { timeout }, async () => {
  for (const method of ['ListEgress', 'StartRoomCompositeEgress', 'ListRooms']) {
    standin.inject({ method, times: 1000, earlyHints: true });
  }
  await withRecorder({ RECONCILE_INTERVAL: '200ms' }, async (recorder) => {
    for (const name of ['hints-a', 'hints-b', 'hints-c']) {
      assert.equal((await postSigned(recorder, liveRoom(name).body)).status, 200);
      await recorder.waitForRecorded(standin, name);
    }
    // Reconcile passes list every room and its egresses over the same kept-alive connections:
    // each answer must be the one to its own request, or a recorded room looks unrecorded.
    await recorder.waitForPasses(3);
    for (const name of ['hints-a', 'hints-b', 'hints-c']) assert.equal(standin.startsFor(name).length, 1, name);
    assert.equal(await recorder.metric('auto_recorder_livekit_api_calls_total', { outcome: 'http_error' }), 0, 'no 103 taken for an answer');
    assert.equal(await recorder.metric('auto_recorder_reconcile_passes_total', { result: 'failed' }), 0);
  });
  for (const name of ['hints-a', 'hints-b', 'hints-c']) standin.removeRoom(name);
});

test('a recording started through StartEgress with a template counts; a web egress does not', { timeout }, async () => {
  await withRecorder({ RECONCILE_INTERVAL: '200ms' }, async (recorder) => {
    const { room, body } = liveRoom('unified-api');
    standin.addEgress('unified-api', { kind: 'template', roomId: room.sid });
    assert.equal((await postSigned(recorder, body)).status, 200);
    // Whichever path gets to the room first, it is skipped as recorded.
    await recorder.waitForMetric(SKIPPED, { reason: 'already_recording' }, 1);
    const web = liveRoom('unified-web');
    standin.addEgress('unified-web', { kind: 'web', roomId: web.room.sid });
    standin.addRoom('unified-reconciled');
    standin.addEgress('unified-reconciled', { kind: 'template' });
    await recorder.waitForRecorded(standin, 'unified-web');
    await recorder.waitForPasses(2);
    await assertAllByReconciler(recorder);
    assert.equal(standin.startsFor('unified-api').length, 0, 'the webhook path saw the template recording');
    assert.equal(standin.startsFor('unified-reconciled').length, 0, 'so did the reconciler');
    assert.equal(standin.startsFor('unified-web').length, 1, 'a web egress is not a room recording');
  });
});

// OpenVidu Meet's rule: a recording stopped on purpose (consent withdrawn) stays stopped for the
// rest of that room session, whether the egress_ended webhook arrives or not, across restarts.
test('a deliberate stop stays stopped through reconcile passes and a restart; a new session is recorded', { timeout }, async () => {
  const stopped = async (recorder, name, { webhook }) => {
    const { body } = liveRoom(name);
    await postSigned(recorder, body);
    await recorder.waitForRecorded(standin, name);
    const info = standin.endEgress(standin.startsFor(name)[0].egressId, EgressStatus.EGRESS_COMPLETE);
    if (webhook) await postSigned(recorder, eventBody('egress_ended', { egressInfo: new EgressInfo(info) }));
  };
  await withRecorder({ RECONCILE_INTERVAL: '200ms' }, async (recorder) => {
    await stopped(recorder, 'consent-withdrawn', { webhook: true });
    await stopped(recorder, 'stop-webhook-lost', { webhook: false });
    await recorder.waitForPasses(3);
    for (const name of ['consent-withdrawn', 'stop-webhook-lost']) assert.equal(standin.startsFor(name).length, 1, name);
    // Each room's stop is noted once, not on every pass.
    assert.equal(await recorder.metric(SKIPPED, { reason: 'stopped_on_purpose' }), 2);
    // A room the reconciler recorded, stopped, and then its room_started arrives (LiveKit
    // retried it late): answered 200, starts nothing, counted as result="stopped".
    const reconciled = await recorder.metric(STARTED, { origin: 'reconciler' });
    const late = liveRoom('stop-then-late-webhook');
    await recorder.waitForRecorded(standin, 'stop-then-late-webhook');
    assert.equal(await recorder.metric(STARTED, { origin: 'reconciler' }), reconciled + 1, 'recorded by the reconciler');
    const lateInfo = standin.endEgress(standin.startsFor('stop-then-late-webhook')[0].egressId, EgressStatus.EGRESS_COMPLETE);
    await postSigned(recorder, eventBody('egress_ended', { egressInfo: new EgressInfo(lateInfo) }));
    assert.equal((await postSigned(recorder, late.body)).status, 200);
    assert.equal(standin.startsFor('stop-then-late-webhook').length, 1);
    const metrics = await (await fetch(`${recorder.url}/metrics`)).text();
    assert.match(metrics, /auto_recorder_recordings_skipped_total\{reason="stopped_on_purpose"\} 3/);
    assert.match(metrics, /auto_recorder_webhooks_total\{event="room_started",result="stopped"\} 1/);
    // log: the pass's summary line is what tells the operator why these rooms are unrecorded
    await recorder.waitForLogLine(/reconcile pass: .* stopped_on_purpose=2/);
  });
  await withRecorder({ RECONCILE_INTERVAL: '200ms' }, async (recorder) => {
    await recorder.waitForPasses(3);
    for (const name of ['consent-withdrawn', 'stop-webhook-lost']) assert.equal(standin.startsFor(name).length, 1, `${name} after a restart`);
    // The same name, a new room session: recorded as usual.
    standin.removeRoom('consent-withdrawn');
    standin.addRoom('consent-withdrawn');
    await recorder.waitForRecorded(standin, 'consent-withdrawn', { count: 2 });
    await assertAllByReconciler(recorder);
  });
  await withRecorder({ RECONCILE_INTERVAL: '200ms', RESTART_STOPPED_RECORDINGS: 'true' }, async (recorder) => {
    await recorder.waitForRecorded(standin, 'stop-webhook-lost', { count: 2 });
    await assertAllByReconciler(recorder);
  });
});

test('a ListRooms answer that does not parse is not "the room is gone": the reconciler restarts the recording', { timeout }, async () => {
  await withRecorder({ RECONCILE_INTERVAL: '300ms' }, async (recorder) => {
    const { body } = liveRoom('unreadable-rooms');
    await postSigned(recorder, body);
    // By the webhook, or by the startup pass if it listed the room first: either way, one.
    await recorder.waitForRecorded(standin, 'unreadable-rooms');
    standin.inject({ method: 'ListRooms', times: 2, garbage: true }); // the restart check, and a pass
    const ended = standin.endEgress(standin.startsFor('unreadable-rooms')[0].egressId, EgressStatus.EGRESS_FAILED, 'pipeline crashed');
    await postSigned(recorder, eventBody('egress_ended', { egressInfo: new EgressInfo(ended) }));
    // log: the warning tells the operator why the restart waits for the reconciler
    await recorder.waitForLogLine(/could not check whether the room still exists; the reconciler will room=unreadable-rooms code=internal error="ListRooms answer does not parse"/);
    await recorder.waitForRecorded(standin, 'unreadable-rooms', { count: 2 });
    assert.equal(await recorder.metric(STARTED), 2);
    assert.ok(await recorder.metric(STARTED, { origin: 'webhook' }) <= 1, 'restarted by the reconciler or as a restart');
  });
});

test('a reconcile pass that cannot reach LiveKit is logged, and the next pass catches up', { timeout }, async () => {
  standin.inject({ method: 'ListRooms', times: 1, status: 503, code: 'unavailable', msg: 'restarting' });
  standin.addRoom('reconcile-after-outage');
  await withRecorder({ RECONCILE_INTERVAL: '300ms' }, async (recorder) => {
    await recorder.waitForMetric('auto_recorder_reconcile_passes_total', { result: 'failed' }, 1);
    // log: the warning names the call and LiveKit's answer for the operator
    await recorder.waitForLogLine(/reconcile pass failed call=ListRooms code=unavailable error=restarting/);
    await recorder.waitForRecorded(standin, 'reconcile-after-outage', { timeoutMs: 3000 });
    await assertAllByReconciler(recorder);
  });
});

test('the first reconcile pass runs right after startup; RECONCILE_INTERVAL=0 turns it off', { timeout }, async () => {
  standin.addRoom('before-recorder-started');
  await withRecorder({ RECONCILE_INTERVAL: '0' }, async (recorder) => {
    // Printed where the first pass would be scheduled: no pass runs, and no webhook comes.
    await recorder.waitForLogLine(/reconciler off/); // log: the operator is told nothing catches lost webhooks
    const metrics = await (await fetch(`${recorder.url}/metrics`)).text();
    assert.match(metrics, /^auto_recorder_reconciler_leader 0$/m, 'this process runs no reconcile passes');
    assert.equal(standin.startsFor('before-recorder-started').length, 0);
  });
  await withRecorder({ RECONCILE_INTERVAL: '1h' }, async (recorder) => {
    await recorder.waitForRecorded(standin, 'before-recorder-started', { timeoutMs: 2000 });
    await assertAllByReconciler(recorder);
  });
});

test('a recording that fails mid-room is restarted once, and the restart limit holds', { timeout }, async () => {
  await withRecorder({ MAX_RESTARTS_PER_HOUR: '2', RECONCILE_INTERVAL: '300ms' }, async (recorder) => {
    const { room, body } = liveRoom('fails-mid-room');
    await postSigned(recorder, body);
    await recorder.waitForRecorded(standin, 'fails-mid-room');

    const fail = async (n) => {
      const [egress] = standin.startsFor('fails-mid-room').filter((e) => e.status === EgressStatus.EGRESS_STARTING);
      const ended = standin.endEgress(egress.egressId, EgressStatus.EGRESS_FAILED, 'pipeline crashed');
      const answer = await postSigned(recorder, eventBody('egress_ended', { egressInfo: new EgressInfo(ended) }));
      assert.equal(answer.status, 200);
      assert.equal(await recorder.metric(ENDED_FAILED, { status: 'failed', phase: 'during_room' }), n);
    };
    await fail(1);
    await recorder.waitForRecorded(standin, 'fails-mid-room', { count: 2 }); // one new recording for the rest of the meeting
    // Restarted by the egress_ended webhook or, when a 300 ms pass lists the room first (a slow
    // sanitizer build), by the reconciler: either way one start, and it counts against the limit.
    assert.equal(await recorder.metric(STARTED), 2);
    await fail(2);
    await recorder.waitForRecorded(standin, 'fails-mid-room', { count: 3 });
    await fail(3); // the third failure within the hour: limit of 2 restarts reached
    await recorder.waitForMetric(SKIPPED, { reason: 'restart_limit' }, 1);
    await recorder.waitForPasses(2); // the reconciler sees an unrecorded room, but the limit holds there too
    assert.equal(standin.startsFor('fails-mid-room').length, 3);
    assert.equal(await recorder.metric(STARTED), 3);
    // log: the error tells the operator once that the room goes unrecorded, and why
    await recorder.waitForLogLine(/not restarted: restart limit reached for this room room=fails-mid-room .*restarts_last_hour=2/);
    assert.equal(recorder.lines(/restart limit reached/).length, 1, 'reported once');
    assert.equal(room.name, 'fails-mid-room');
  });
});

test('a failed recording of a room that has closed is not restarted', { timeout }, async () => {
  await withRecorder({}, async (recorder) => {
    const { body } = liveRoom('closed-then-failed');
    await postSigned(recorder, body);
    await recorder.waitForRecorded(standin, 'closed-then-failed');
    const [egress] = standin.startsFor('closed-then-failed');
    standin.removeRoom('closed-then-failed');
    const ended = standin.endEgress(egress.egressId, EgressStatus.EGRESS_ABORTED);
    await postSigned(recorder, eventBody('egress_ended', { egressInfo: new EgressInfo(ended) }));
    // log: the decision not to restart is counted nowhere; this line is its only trace
    await recorder.waitForLogLine(/room is gone: recording not restarted room=closed-then-failed/);
    assert.equal(standin.startsFor('closed-then-failed').length, 1);
  });
});

// A MinIO credential or path-style mistake fails the upload after the room has finished: nothing
// to restart, but the operator must hear of it. During the room, the restart is logged too.
test('a failed recording is logged with its error and error_code and counted, during and after its room', { timeout }, async () => {
  await withRecorder({}, async (recorder) => {
    const failedCount = async (phase, status) => recorder.metric(ENDED_FAILED, { status, phase });
    assert.match(await recorder.metrics(), /^auto_recorder_recordings_ended_failed_total\{status="failed",phase="after_room"\} 0$/m,
      'the series exists before the first failure');

    const during = liveRoom('fails-during');
    await postSigned(recorder, during.body);
    await recorder.waitForRecorded(standin, 'fails-during');
    const [first] = standin.startsFor('fails-during');
    const crashed = standin.endEgress(first.egressId, EgressStatus.EGRESS_FAILED, 'pipeline crashed', 500);
    await postSigned(recorder, eventBody('egress_ended', { egressInfo: new EgressInfo(crashed) }));
    // log: the warning gives the operator egress's error and error_code
    await recorder.waitForLogLine(/warning recording failed mid-room: restarting if the room still exists room=fails-during .*status=EGRESS_FAILED error="pipeline crashed" error_code=500/);
    assert.equal(await failedCount('during_room', 'failed'), 1);

    const after = liveRoom('fails-after');
    await postSigned(recorder, after.body);
    await recorder.waitForRecorded(standin, 'fails-after');
    const [egress] = standin.startsFor('fails-after');
    standin.removeRoom('fails-after');
    await postSigned(recorder, eventBody('room_finished', { room: { name: 'fails-after', sid: after.room.sid } }));
    const denied = standin.endEgress(egress.egressId, EgressStatus.EGRESS_LIMIT_REACHED, 'upload: AccessDenied', 403);
    await postSigned(recorder, eventBody('egress_ended', { egressInfo: new EgressInfo(denied) }));
    // log: the error gives the operator egress's error and error_code
    await recorder.waitForLogLine(/error recording failed after the room finished: its file may be incomplete or missing room=fails-after .*status=EGRESS_LIMIT_REACHED error="upload: AccessDenied" error_code=403/);
    assert.equal(await failedCount('after_room', 'limit_reached'), 1);
    assert.equal(standin.startsFor('fails-after').length, 1, 'nothing to restart');
  });
});

test('a full queue answers 503 so LiveKit retries; nothing is lost', { timeout }, async () => {
  await withRecorder({ MAX_PENDING_STARTS: '3', RECONCILE_INTERVAL: '0' }, async (recorder) => {
    standin.inject({ method: 'StartRoomCompositeEgress', times: 3, delayMs: 1500 });
    const rooms = ['queue-1', 'queue-2', 'queue-3', 'queue-4'].map((name) => liveRoom(name));
    const first = await Promise.all(rooms.slice(0, 3).map(({ body }) => postSigned(recorder, body)));
    assert.deepEqual(first.map((a) => a.status), [200, 200, 200]);
    const token = await signBody(rooms[3].body, recorder.webhookAuth);
    const answers = await deliver(`${recorder.url}/webhook-receiver`, rooms[3].body, token, { waits: [1000, 2000, 4000] });
    assert.equal(answers[0].status, 503);
    assert.match(answers[0].text, /busy/);
    assert.equal(answers.at(-1).status, 200, 'LiveKit\'s retry got through once the queue drained');
    await recorder.waitForRecorded(standin, 'queue-4');
    for (const name of ['queue-1', 'queue-2', 'queue-3', 'queue-4']) assert.equal(standin.startsFor(name).length, 1, name);
  });
});

test('more unrecorded rooms than max_pending_starts: each pass starts what fits, in one line, until all are recorded once', { timeout }, async () => {
  const names = Array.from({ length: 30 }, (_, i) => `backlog-${i}`);
  for (const name of names) standin.addRoom(name);
  standin.inject({ method: 'StartRoomCompositeEgress', times: 30, delayMs: 300 });
  await withRecorder({ MAX_PENDING_STARTS: '10', RECONCILE_INTERVAL: '200ms' }, async (recorder) => {
    // log: one warning per pass tells the operator the queue is too small, not one per room
    const [, deferred] = await recorder.waitForLogLine(
      /warning reconcile pass: more rooms without a recording than max_pending_starts; the rest wait for the next pass .*starting=10 deferred=(\d+)/);
    assert.ok(Number(deferred) >= 20, `the first pass: 10 fit, the other ${deferred} wait for later passes`);
    await until(() => names.every((name) => standin.startsFor(name).length > 0), 'every room recorded', 15000);
    await recorder.waitForPasses(2); // the recorder looked again, and started nothing twice
    for (const name of names) assert.equal(standin.startsFor(name).length, 1, name);
    assert.equal(recorder.lines(/busy: too many rooms/).length, 0, 'no line per deferred room');
  });
});

test('SIGKILL in the middle of a burst of 500 rooms, then restart: every room recorded exactly once', { timeout }, async () => {
  const names = Array.from({ length: 500 }, (_, i) => `burst-${String(i).padStart(3, '0')}`);
  const rooms = names.map((name) => liveRoom(name));
  const env = { RECONCILE_INTERVAL: '1s' };
  let recorder = await startRecorder({ env: baseEnv(standin, { ...FAST, ...env }) });
  const port = String(recorder.port);
  const url = recorder.url;
  const auth = recorder.webhookAuth;
  // LiveKit delivering 500 webhooks, 64 at a time, with its retry policy.
  let acknowledged = 0;
  const queue = [...rooms];
  const sender = Promise.all(Array.from({ length: 64 }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const answers = await deliver(`${url}/webhook-receiver`, next.body, await signBody(next.body, auth));
      if (answers.at(-1).status === 200) acknowledged += 1;
    }
  }));
  // Kill while LiveKit is still delivering: some webhooks meet a dead port and are retried into the
  // restarted process, and starts accepted but not yet made are lost with the process.
  await until(() => acknowledged >= 200, 'part of the burst acknowledged', 10000);
  const acknowledgedAtKill = acknowledged;
  recorder.child.kill('SIGKILL');
  await recorder.stop('SIGKILL');
  console.log(`killed with ${acknowledgedAtKill} of 500 webhooks acknowledged, ${standin.egresses.filter((e) => e.roomName.startsWith('burst-')).length} recordings started`);
  recorder = await startRecorder({ env: baseEnv(standin, { ...FAST, ...env, PORT: port }) });
  try {
    await sender;
    await until(() => names.every((n) => standin.startCounts().get(n) >= 1), 'every burst room recorded', 20000);
    await recorder.waitForPasses(2, 20000); // two more reconcile passes: nothing doubles
    const final = standin.startCounts();
    const missing = names.filter((n) => !final.get(n));
    const doubled = names.filter((n) => final.get(n) > 1);
    assert.deepEqual(missing, [], 'rooms never recorded');
    assert.deepEqual(doubled, [], 'rooms recorded twice');
    assert.ok(acknowledgedAtKill < 500, 'the kill came while webhooks were still being delivered');
    assert.ok(acknowledged >= 400, `LiveKit saw ${acknowledged} webhooks acknowledged`);
    assert.ok(await recorder.metric(STARTED) > 0, 'the restarted recorder recorded rooms the killed one had not');
  } finally {
    await recorder.stop();
  }
});
