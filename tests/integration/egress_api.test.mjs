// Which call starts a recording (api_flavour): the unified StartEgress where LiveKit has it
// (1.13.2+), StartRoomCompositeEgress where it does not (up to 1.12: 404 bad_route; 1.13.0 and
// 1.13.1: a stub answering 500 "not implemented"), learnt from the first answer and remembered
// for the process. The stand-in plays each server; every request it parses strictly.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { EgressStatus } from '@livekit/protocol';
import { LiveKitStandIn } from './lib/standin.mjs';
import { startRecorder, runToExit, baseEnv, FAILED, RETRIED } from './lib/recorder.mjs';
import { sendEvent } from './lib/webhooks.mjs';

const timeout = 60_000;
const TOKEN = 'egress-api-token-0123';
const standins = [];
after(async () => {
  for (const standin of standins) {
    assert.deepEqual(standin.strictErrors, [], 'every request must parse strictly');
    await standin.stop();
  }
});

async function server(egressApi) {
  const standin = await new LiveKitStandIn({ egressApi, requireRooms: true }).start();
  standins.push(standin);
  return standin;
}

// The start calls LiveKit was sent, in order.
const starts = (standin) => standin.calls.filter((c) => c.method.startsWith('Start')).map((c) => c.method);

async function record(recorder, standin, name) {
  const room = standin.addRoom(name);
  await sendEvent(recorder, 'room_started', { room: { name, sid: room.sid } });
  await recorder.waitForRecorded(standin, name);
  return room;
}

test('a LiveKit with StartEgress is sent it: a template source, each output beside its storage, recorded once', { timeout }, async () => {
  const standin = await server('unified');
  const recorder = await startRecorder({ env: baseEnv(standin, { API_TOKEN: TOKEN, S3_REGION: 'eu-west-1' }) });
  try {
    // log: the ready line says which API is in use, as the issue asks of it
    await recorder.waitForLogLine(/auto-recorder ready.*egress_api="?auto \(unified until LiveKit answers without it\)/);
    await record(recorder, standin, 'unified-1');
    await record(recorder, standin, 'unified-2');
    assert.deepEqual(starts(standin), ['StartEgress', 'StartEgress']);
    const [request] = standin.startRequests('StartEgress');
    assert.equal(request.source.case, 'template');
    assert.equal(request.source.value.layout, 'grid');
    assert.equal(request.outputs[0].config.case, 'file');
    assert.equal(request.outputs[0].config.value.filepath, 'recordings/{room_name}-{time}');
    assert.equal(request.outputs[0].storage.provider.case, 's3');
    assert.equal(request.outputs[0].storage.provider.value.bucket, 'recordings');
    // log: the choice, once, with the answer that made it
    await recorder.waitForLogLine(/egress API: LiveKit has the unified StartEgress/);
    assert.equal(recorder.lines(/egress API:/).length, 1);
    // The egress LiveKit lists for it (request.egress, a template) is the room's recording.
    const room = standin.rooms.get('unified-1');
    standin.removeRoom('unified-1');
    const egressInfo = standin.snapshot(standin.startsFor('unified-1')[0].egressId);
    await sendEvent(recorder, 'egress_ended', { egressInfo });
    await sendEvent(recorder, 'room_finished', { room: { name: room.name, sid: room.sid } });
    const row = await recorder.waitForLedgerRoom('unified-1', (r) => r.finished_at && r.recordings?.[0]?.status === 'EGRESS_COMPLETE');
    assert.equal(row.recordings.length, 1);
    assert.equal(row.recordings[0].egress_id, standin.startsFor('unified-1')[0].egressId);
    assert.equal(row.status, 'recorded');
    assert.match(JSON.stringify(row.recordings[0]), /"s3:\/\/recordings\/recordings\/\{room_name\}-\{time\}"/, 'its file, uploaded where the output\'s storage said');
  } finally {
    standin.removeRoom('unified-2');
    await recorder.stop();
  }
});

for (const [egressApi, what] of [['legacy', 'up to 1.12 (404 bad_route)'], ['stub', '1.13.0 and 1.13.1 (500 "not implemented")']]) {
  test(`a LiveKit ${what}: one StartEgress, then StartRoomCompositeEgress for every room`, { timeout }, async () => {
    const standin = await server(egressApi);
    const recorder = await startRecorder({ env: baseEnv(standin) });
    try {
      await record(recorder, standin, `${egressApi}-1`);
      await record(recorder, standin, `${egressApi}-2`);
      assert.deepEqual(starts(standin), ['StartEgress', 'StartRoomCompositeEgress', 'StartRoomCompositeEgress']);
      assert.equal(standin.startsFor(`${egressApi}-1`).length, 1, 'the answer that meant "no such call" started nothing');
      assert.equal(standin.startRequests()[0].roomName, `${egressApi}-1`);
      // log: the fallback is said once, naming the answer that caused it
      await recorder.waitForLogLine(/egress API: LiveKit has no unified StartEgress.*egress_api="?legacy/);
      assert.equal(await recorder.metric(FAILED), 0);
    } finally {
      standin.removeRoom(`${egressApi}-1`);
      standin.removeRoom(`${egressApi}-2`);
      await recorder.stop();
    }
  });
}

test('a StartEgress whose answer is lost leaves exactly one recording: the retry\'s ListEgress finds the template egress', { timeout }, async () => {
  const standin = await server('unified');
  const recorder = await startRecorder({ env: baseEnv(standin, { RETRY_INITIAL_DELAY: '100ms' }) });
  try {
    standin.inject({ method: 'StartEgress', loseAnswer: true });
    const room = standin.addRoom('unified-lost');
    await sendEvent(recorder, 'room_started', { room: { name: room.name, sid: room.sid } });
    await recorder.waitForMetric(RETRIED, { code: 'connection_error' }, 1);
    await recorder.waitForNoPendingStarts();
    assert.equal(standin.startsFor(room.name).length, 1, 'one recording');
    assert.deepEqual(starts(standin), ['StartEgress'], 'not sent again, and no fallback');
    assert.ok(standin.callsFor('ListEgress', room.name).length >= 2, 'the retry asked ListEgress first');
  } finally {
    standin.removeRoom('unified-lost');
    await recorder.stop();
  }
});

test('a room that does not exist is StartEgress\'s own 404: no fallback, no recording', { timeout }, async () => {
  const standin = await server('unified');
  const recorder = await startRecorder({ env: baseEnv(standin, { RECONCILE_INTERVAL: '0' }) });
  try {
    await sendEvent(recorder, 'room_started', { room: { name: 'never-listed', sid: 'RM_never' } });
    await recorder.waitForMetric(FAILED, { code: 'not_found' }, 1);
    assert.deepEqual(starts(standin), ['StartEgress']);
  } finally {
    await recorder.stop();
  }
});

test('API_FLAVOUR=legacy never sends StartEgress; API_FLAVOUR=unified on an old LiveKit refuses, naming the setting', { timeout }, async () => {
  const unified = await server('unified');
  const legacy = await startRecorder({ env: baseEnv(unified, { API_FLAVOUR: 'legacy' }) });
  try {
    // log: the ready line says which API is in use, as the issue asks of it
    await legacy.waitForLogLine(/auto-recorder ready.*egress_api="?legacy/);
    await record(legacy, unified, 'forced-legacy');
    assert.deepEqual(starts(unified), ['StartRoomCompositeEgress']);
  } finally {
    unified.removeRoom('forced-legacy');
    await legacy.stop();
  }

  const old = await server('legacy');
  const forced = await startRecorder({ env: baseEnv(old, { API_FLAVOUR: 'unified', API_TOKEN: TOKEN, RECONCILE_INTERVAL: '0' }) });
  try {
    const room = old.addRoom('forced-unified');
    await sendEvent(forced, 'room_started', { room: { name: room.name, sid: room.sid } });
    await forced.waitForMetric(FAILED, { code: 'unimplemented' }, 1);
    assert.deepEqual(starts(old), ['StartEgress'], 'not retried, no legacy call');
    const row = await forced.waitForLedgerRoom('forced-unified', (r) => r.start_error !== '');
    assert.match(row.start_error, /API_FLAVOUR/);
    assert.equal(old.startsFor('forced-unified').length, 0);
  } finally {
    old.removeRoom('forced-unified', { status: EgressStatus.EGRESS_COMPLETE });
    await forced.stop();
  }
});

test('a wrong api_flavour, or unified with audio_mixing, is a startup error naming the setting', { timeout }, async () => {
  const standin = await server('legacy');
  const wrong = await runToExit({ env: baseEnv(standin, { API_FLAVOUR: 'newest' }) });
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.output, /api_flavour \(API_FLAVOUR\): "newest" is not a flavour: use auto, unified or legacy/);
  const mixing = await runToExit({ env: baseEnv(standin, { API_FLAVOUR: 'unified', AUDIO_MIXING: 'DUAL_CHANNEL_AGENT' }) });
  assert.notEqual(mixing.code, 0);
  assert.match(mixing.output, /the top level sets audio_mixing, which the unified StartEgress cannot carry: set api_flavour \(API_FLAVOUR\) to auto or legacy/);
});
