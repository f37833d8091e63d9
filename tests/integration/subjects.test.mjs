// record: participants and record: tracks: one recording per participant session and per
// published track, beside (or instead of) the room composite, exactly once through duplicated
// webhooks, a lost answer, a failure and the unified API; never the egress's own participant.
// The stand-in plays LiveKit (participants, their tracks, ListParticipants, the egress calls);
// every request it parses strictly with LiveKit's own protocol package.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { EgressStatus, ParticipantInfo_Kind } from '@livekit/protocol';
import { LiveKitStandIn } from './lib/standin.mjs';
import { startRecorder, runToExit, baseEnv, tempDir, STARTED } from './lib/recorder.mjs';
import { sendEvent, eventId, eventBody, signBody, post } from './lib/webhooks.mjs';
import { RedisServer } from './lib/redis.mjs';
import { until } from './lib/wait.mjs';

const timeout = 60_000;
const standins = [];
after(async () => {
  for (const standin of standins) {
    assert.deepEqual(standin.strictErrors, [], 'every request must parse strictly');
    await standin.stop();
  }
});

async function server(options = {}) {
  const standin = await new LiveKitStandIn({ requireRooms: true, ...options }).start();
  standins.push(standin);
  return standin;
}

// A participant joins the stand-in's room, publishing a microphone unless told otherwise, and
// LiveKit says so.
async function join(recorder, standin, room, identity, options = {}) {
  const participant = standin.join(room.name, identity, { tracks: [{ type: 'audio' }], ...options });
  const answer = await sendEvent(recorder, 'participant_joined', { room: { name: room.name, sid: room.sid }, participant });
  assert.equal(answer.status, 200);
  return participant;
}

async function publish(recorder, standin, room, participant, type) {
  const track = standin.publish(participant, type);
  const answer = await sendEvent(recorder, 'track_published', { room: { name: room.name, sid: room.sid }, participant, track });
  assert.equal(answer.status, 200);
  return track;
}

// Resolves once `count` recordings of the subject (an identity or a track id) are at LiveKit and
// the recorder has taken the answers in.
async function recorded(recorder, standin, subject, count = 1) {
  await recorder.until(() => standin.subjectStarts(subject).length >= count,
    `${count} recording(s) of ${subject} (saw ${standin.subjectStarts(subject).length})`);
  await recorder.waitForNoPendingStarts();
  return standin.subjectStarts(subject);
}

test('record: participants: one recording per participant session, never the egress\'s own, a rejoin recorded anew', { timeout }, async () => {
  const standin = await server();
  const recorder = await startRecorder({ env: baseEnv(standin, { RECORD: 'room,participants', RECONCILE_INTERVAL: '0' }) });
  try {
    const room = standin.addRoom('class-1');
    await sendEvent(recorder, 'room_started', { room: { name: room.name, sid: room.sid } });
    await recorder.waitForRecorded(standin, 'class-1');
    const alice = await join(recorder, standin, room, 'alice');
    const [first] = await recorded(recorder, standin, 'alice');
    assert.equal(first.request.case, 'participant');
    assert.equal(first.request.value.identity, 'alice');
    assert.equal(first.request.value.fileOutputs[0].filepath, 'recordings/{room_name}/{publisher_identity}-{time}');
    assert.equal(first.request.value.fileOutputs[0].output.case, 's3', 'the room\'s storage');
    // The egress's hidden participant joins (kind EGRESS): never recorded. A webhook sent twice
    // (a new id each time, as LiveKit's retries after a lost answer) leaves one recording.
    const hidden = await join(recorder, standin, room, 'EG_hidden', { kind: ParticipantInfo_Kind.EGRESS });
    await sendEvent(recorder, 'participant_joined', { room: { name: room.name, sid: room.sid }, participant: alice, id: eventId() });
    const bob = await join(recorder, standin, room, 'bob');
    await recorded(recorder, standin, 'bob');
    // evidence that the recorder looked at the repeat and at the hidden participant: bob's
    // webhook came after both and was acted on
    assert.equal(standin.subjectStarts('alice').length, 1);
    assert.equal(standin.subjectStarts(hidden.identity).length, 0);
    assert.equal(standin.callsFor('StartParticipantEgress', 'class-1').length, 2);
    // Alice leaves (her recording ends with her: complete), then rejoins: a new participant sid,
    // a new recording.
    standin.leave('class-1', alice);
    const ended = standin.snapshot(first.egressId);
    await sendEvent(recorder, 'egress_ended', { egressInfo: ended });
    await join(recorder, standin, room, 'alice');
    const both = await recorded(recorder, standin, 'alice', 2);
    assert.equal(both.length, 2);
    // The room composite is still the one of the start.
    assert.equal(standin.startsFor('class-1').length, 1);
    assert.equal(await recorder.metric(STARTED), 4, 'room, alice, bob, alice again');
  } finally {
    standin.removeRoom('class-1');
    await recorder.stop();
  }
});

test('record: tracks: one StartTrackEgress per published track of the wanted types, to the tracks\' path', { timeout }, async () => {
  const standin = await server();
  const recorder = await startRecorder({ env: baseEnv(standin, { RECORD: 'tracks', TRACK_TYPES: 'audio', RECONCILE_INTERVAL: '0' }) });
  try {
    const room = standin.addRoom('podcast');
    await sendEvent(recorder, 'room_started', { room: { name: room.name, sid: room.sid } });
    const host = await join(recorder, standin, room, 'host', { tracks: [] });
    const mic = await publish(recorder, standin, room, host, 'audio');
    const [egress] = await recorded(recorder, standin, mic.sid);
    assert.equal(egress.request.case, 'track');
    assert.equal(egress.request.value.trackId, mic.sid);
    assert.equal(egress.request.value.output.value.filepath, 'recordings/{room_name}/{publisher_identity}-{track_id}-{time}');
    await sendEvent(recorder, 'track_published', { room: { name: room.name, sid: room.sid }, participant: host, track: mic });
    const camera = await publish(recorder, standin, room, host, 'video');
    const second = await publish(recorder, standin, room, host, 'audio');
    await recorded(recorder, standin, second.sid);
    assert.equal(standin.subjectStarts(mic.sid).length, 1, 'a repeated track_published starts nothing more');
    assert.equal(standin.subjectStarts(camera.sid).length, 0, 'TRACK_TYPES=audio: no video');
    assert.equal(standin.startsFor('podcast').length, 0, 'RECORD=tracks: no room composite');
    assert.equal(standin.callsFor('StartParticipantEgress', 'podcast').length, 0);
  } finally {
    standin.removeRoom('podcast');
    await recorder.stop();
  }
});

test('a participant\'s recording whose answer was lost, or that failed while the participant stays, leaves exactly one running', { timeout }, async () => {
  const standin = await server();
  const recorder = await startRecorder({ env: baseEnv(standin, { RECORD: 'participants', RECONCILE_INTERVAL: '0', RETRY_INITIAL_DELAY: '100ms' }) });
  try {
    const room = standin.addRoom('hearing');
    standin.inject({ method: 'StartParticipantEgress', loseAnswer: true });
    await join(recorder, standin, room, 'judge');
    // The lost answer is retried: the check lists the recording the first try made.
    await recorder.waitForMetric('auto_recorder_recordings_retried_total', {}, 1);
    await recorder.waitForNoPendingStarts();
    const [first] = standin.subjectStarts('judge');
    assert.equal(standin.subjectStarts('judge').length, 1);
    // It fails mid-hearing: started again, once, since the judge is still there.
    const failed = standin.endEgress(first.egressId, EgressStatus.EGRESS_FAILED, 'pipeline crashed');
    await sendEvent(recorder, 'egress_ended', { egressInfo: failed.clone() });
    await recorded(recorder, standin, 'judge', 2);
    await until(() => standin.calls.some((c) => c.method === 'ListParticipants'), 'ListParticipants for the restart');
    const running = standin.subjectStarts('judge').filter((e) => e.status !== EgressStatus.EGRESS_FAILED);
    assert.equal(running.length, 1);
  } finally {
    standin.removeRoom('hearing');
    await recorder.stop();
  }
});

test('the unified StartEgress records a participant with a media source of its video and audio', { timeout }, async () => {
  const standin = await server({ egressApi: 'unified' });
  let recorder = await startRecorder({ env: baseEnv(standin, { RECORD: 'participants', RECONCILE_INTERVAL: '0' }) });
  try {
    const room = standin.addRoom('unified-participants');
    await join(recorder, standin, room, 'carol');
    const [egress] = await recorded(recorder, standin, 'carol');
    assert.equal(egress.request.case, 'egress');
    const media = egress.request.value.source.value;
    assert.equal(media.video.case, 'participantVideo');
    assert.equal(media.video.value.identity, 'carol');
    assert.equal(media.audio.routes[0].match.value, 'carol');
    assert.equal(egress.request.value.outputs[0].config.value.filepath, 'recordings/{room_name}/{publisher_identity}-{time}');
    // A repeat starts nothing; a recorder started afresh finds carol's recording in ListEgress
    // (request.egress with a media source) and starts nothing either. Evidence that each looked:
    // a participant who joins after the repeat is recorded.
    await sendEvent(recorder, 'participant_joined', { room: { name: room.name, sid: room.sid }, participant: standin.participants.get(room.name)[0] });
    await join(recorder, standin, room, 'dora');
    await recorded(recorder, standin, 'dora');
    await recorder.stop();
    recorder = await startRecorder({ env: baseEnv(standin, { RECORD: 'participants', RECONCILE_INTERVAL: '0' }) });
    const checks = standin.calls.filter((c) => c.method === 'ListEgress').length;
    await sendEvent(recorder, 'participant_joined', { room: { name: room.name, sid: room.sid }, participant: standin.participants.get(room.name)[0] });
    await until(() => standin.calls.filter((c) => c.method === 'ListEgress').length > checks, 'the new process\'s ListEgress check');
    await recorder.waitForNoPendingStarts();
    assert.equal(standin.subjectStarts('carol').length, 1);
  } finally {
    standin.removeRoom('unified-participants');
    await recorder.stop();
  }
});

test('a participant whose webhook was lost is recorded by the next reconcile pass; a viewer who publishes nothing never', { timeout }, async () => {
  const standin = await server();
  const recorder = await startRecorder({ env: baseEnv(standin, { RECORD: 'room, participants', RECONCILE_INTERVAL: '1s' }) });
  try {
    const room = standin.addRoom('lost-joins');
    standin.join(room.name, 'dave', { tracks: [{ type: 'audio' }, { type: 'video' }] }); // no webhook
    standin.join(room.name, 'viewer'); // publishes nothing
    standin.join(room.name, 'EG_hidden', { kind: ParticipantInfo_Kind.EGRESS, tracks: [{ type: 'video' }] });
    await recorded(recorder, standin, 'dave');
    await recorder.waitForRecorded(standin, 'lost-joins');
    // Two more passes list the participants again, find dave in ListEgress and start nothing.
    await recorder.waitForPasses(2);
    await until(() => standin.calls.filter((c) => c.method === 'ListParticipants').length >= 3, 'ListParticipants on every pass');
    assert.equal(standin.subjectStarts('dave').length, 1);
    assert.equal(standin.subjectStarts('viewer').length, 0);
    assert.equal(standin.subjectStarts('EG_hidden').length, 0);
    assert.equal(standin.startsFor('lost-joins').length, 1);
  } finally {
    standin.removeRoom('lost-joins');
    await recorder.stop();
  }
});

test('two replicas on one Redis, each hearing every participant\'s and track\'s webhook: one recording of each', { timeout }, async () => {
  const standin = await server();
  const redis = await new RedisServer().start();
  const env = { RECORD: 'participants, tracks', TRACK_TYPES: 'audio', RECONCILE_INTERVAL: '0', REDIS_ADDRESS: `127.0.0.1:${redis.port}` };
  const replicas = [await startRecorder({ env: baseEnv(standin, env) }), await startRecorder({ env: baseEnv(standin, env) })];
  try {
    const room = standin.addRoom('panel');
    const speakers = ['ann', 'ben', 'cat', 'dan', 'eve'].map((identity) => standin.join(room.name, identity, { tracks: [{ type: 'audio' }] }));
    // Every webhook reaches both replicas at once, as LiveKit's retries through a Service can.
    await Promise.all(speakers.flatMap((participant) => replicas.map(async (replica) => {
      const body = eventBody('track_published', { room: { name: room.name, sid: room.sid }, participant, track: participant.tracks[0] });
      const answer = await post(`${replica.url}/webhook-receiver`, body, { authorization: await signBody(body, replica.webhookAuth) });
      assert.equal(answer.status, 200);
    })));
    for (const speaker of speakers) {
      await recorded(replicas[0], standin, speaker.identity);
      await recorded(replicas[0], standin, speaker.tracks[0].sid);
    }
    for (const replica of replicas) await replica.waitForNoPendingStarts();
    for (const speaker of speakers) {
      assert.equal(standin.subjectStarts(speaker.identity).length, 1, speaker.identity);
      assert.equal(standin.subjectStarts(speaker.tracks[0].sid).length, 1, `${speaker.identity}'s track`);
    }
  } finally {
    standin.removeRoom('panel');
    for (const replica of replicas) await replica.stop();
    await redis.stop();
  }
});

test('a recorder restarted mid-room, a deliberate stop and an empty EGRESS_COMPLETE: one running recording where one belongs', { timeout }, async () => {
  const standin = await server();
  const env = baseEnv(standin, { RECORD: 'participants', RECONCILE_INTERVAL: '1s' });
  let recorder = await startRecorder({ env });
  try {
    const room = standin.addRoom('seminar');
    const fay = await join(recorder, standin, room, 'fay');
    const gus = await join(recorder, standin, room, 'gus');
    const hal = await join(recorder, standin, room, 'hal');
    for (const who of ['fay', 'gus', 'hal']) await recorded(recorder, standin, who);
    await recorder.stop();
    // While it is down: fay's recording is stopped on purpose (StopEgress: complete while she
    // stays), gus's completes empty (egress#944: a failure), hal's keeps running.
    standin.endEgress(standin.subjectStarts('fay')[0].egressId, EgressStatus.EGRESS_COMPLETE);
    standin.endEgress(standin.subjectStarts('gus')[0].egressId, EgressStatus.EGRESS_COMPLETE, '', 0, { empty: true });
    recorder = await startRecorder({ env });
    // Its passes see all three in ListParticipants: gus is recorded again, fay's stop holds, hal
    // is left alone.
    await recorded(recorder, standin, 'gus', 2);
    await recorder.waitForPasses(2);
    assert.equal(standin.subjectStarts('fay').length, 1, 'a deliberate stop holds across the restart');
    assert.equal(standin.subjectStarts('gus').length, 2, 'an empty recording is a failure: started again');
    assert.equal(standin.subjectStarts('hal').length, 1, 'a running recording is left alone');
    assert.ok([fay, gus, hal].every((p) => p.sid));
  } finally {
    standin.removeRoom('seminar');
    await recorder.stop();
  }
});

test('LiveKit\'s AutoParticipantEgress listed after ours started: ours is stopped within one pass, the oldest kept, the ledger says why', { timeout }, async () => {
  const standin = await server();
  const token = 'tok-5e1d7c3a9b2f4086';
  const recorder = await startRecorder({ env: baseEnv(standin, { RECORD: 'participants', RECONCILE_INTERVAL: '1s', API_TOKEN: token }), cwd: tempDir() });
  try {
    const room = standin.addRoom('seminar');
    const alice = standin.join(room.name, 'alice', { tracks: [{ type: 'audio' }] });
    const listed = standin.autoParticipantEgress(room.name, 'alice', { listedAfterMs: 250 });
    assert.equal((await sendEvent(recorder, 'participant_joined', { room: { name: room.name, sid: room.sid }, participant: alice })).status, 200);
    const [ours] = await recorded(recorder, standin, 'alice');
    const auto = await listed;
    const stops = () => standin.calls.filter((c) => c.method === 'StopEgress').map((c) => c.request?.egressId);
    const listedAt = await recorder.reconcilePasses();
    await recorder.until(() => stops().includes(ours.egressId), 'our duplicate of alice stopped');
    assert.ok(await recorder.reconcilePasses() <= listedAt + 2, 'within one pass after the listing');
    assert.ok(!stops().includes(auto.egressId), 'LiveKit\'s own is never stopped');
    assert.equal(stops().length, 1);
    await recorder.waitForMetric('auto_recorder_duplicates_stopped_total', { outcome: 'stopped' }, 1);
    const row = await recorder.waitForLedgerRoom(room.name, (r) => r.recordings?.some((x) => x.duplicate_of));
    const stopped = row.recordings.find((r) => r.egress_id === ours.egressId);
    assert.equal(stopped.kind, 'participant');
    assert.equal(stopped.duplicate_of, auto.egressId, 'stopped: duplicate, of the one kept');
    assert.equal(row.status, 'recording');
    // Nothing more is stopped or started by the passes after: the kept one records alice.
    await recorder.waitForPasses(2);
    assert.equal(stops().length, 1);
    assert.equal(standin.subjectStarts('alice').length, 1, 'ours only; LiveKit\'s is listed apart');
  } finally {
    standin.removeRoom('seminar');
    await recorder.stop();
  }
});

// The ledger, as `auto-recorder report` reads it while the service runs (it exits 3 while a
// session is partial or unrecorded).
async function ledgerRoom(env, cwd, sid) {
  const { code, output } = await runToExit({ env, cwd, args: ['report', '--format', 'json', '--since', '1h'] });
  assert.ok(code === 0 || code === 3, output);
  return JSON.parse(output).rooms.find((r) => r.sid === sid);
}

test('the ledger keeps each recording by kind, and a participant whose start was refused leaves the session partial until one starts', { timeout }, async () => {
  const standin = await server();
  const cwd = tempDir();
  const env = baseEnv(standin, { RECORD: 'room,participants,tracks', TRACK_TYPES: 'audio', RECONCILE_INTERVAL: '0' });
  const recorder = await startRecorder({ env, cwd });
  try {
    const room = standin.addRoom('court-7');
    await sendEvent(recorder, 'room_started', { room: { name: room.name, sid: room.sid } });
    await recorder.waitForRecorded(standin, 'court-7');
    const judge = await join(recorder, standin, room, 'judge');
    const [mic] = judge.tracks;
    await recorded(recorder, standin, 'judge');
    await recorded(recorder, standin, mic.sid);
    // The witness's recording is refused (invalid_argument): given up, and missed.
    standin.inject({ method: 'StartParticipantEgress', status: 400, code: 'invalid_argument', msg: 'no such output' });
    const witness = await join(recorder, standin, room, 'witness', { tracks: [{ type: 'video' }] });
    await recorder.waitForMetric('auto_recorder_recordings_failed_total', { code: 'invalid_argument' }, 1);
    let session;
    await until(async () => {
      session = await ledgerRoom(env, cwd, room.sid);
      return session?.missing.length === 1 && session.recordings.length === 3;
    }, 'the session in the ledger with its three recordings and one missing', 10000, 100);
    assert.equal(session.status, 'partial');
    assert.deepEqual(session.asked, ['room_composite', 'participant', 'track']);
    const byKind = Object.fromEntries(session.recordings.map((r) => [r.kind, r]));
    assert.equal(byKind.room_composite.egress_id, standin.startsFor('court-7')[0].egressId);
    assert.equal(byKind.participant.participant, 'judge');
    assert.equal(byKind.track.track_id, mic.sid);
    assert.equal(byKind.track.participant, 'judge', 'the publisher, from the start');
    assert.deepEqual(session.missing.map((m) => [m.kind, m.participant, m.sid]), [['participant', 'witness', witness.sid]]);
    assert.match(session.missing[0].error, /invalid_argument: no such output/);
    // The witness publishes again: started this time, and nothing is missing any more.
    await publish(recorder, standin, room, witness, 'audio');
    await recorded(recorder, standin, 'witness');
    await until(async () => (await ledgerRoom(env, cwd, room.sid))?.missing.length === 0, 'the witness no longer missing', 10000, 100);
    session = await ledgerRoom(env, cwd, room.sid);
    assert.equal(session.status, 'recording');
    const { output: csv } = await runToExit({ env, cwd, args: ['report', '--format', 'csv', '--since', '1h'] });
    assert.match(csv, /,participant_recordings,track_recordings,missing\n/);
    assert.match(csv, new RegExp(`^${room.sid},court-7,recording,.*,2,2,0$`, 'm'), csv);
  } finally {
    standin.removeRoom('court-7');
    await recorder.stop();
  }
});

test('--check-config ROOM previews the request of each kind the rule records', { timeout }, async () => {
  const standin = await server();
  const result = await runToExit({ env: baseEnv(standin, { RECORD: 'participants, tracks', TRACK_TYPES: 'video', PARTICIPANT_IDENTITY: 'student-*' }), args: ['--check-config', 'class-9'] });
  assert.equal(result.code, 0, result.output);
  assert.match(result.output, /# room "class-9": top level: no room composite\n/);
  assert.match(result.output, /#   each participant: StartEgress \{"roomName":"class-9","media":\{"participantVideo":\{"identity":"<participant identity>"\}/);
  assert.match(result.output, /#   or, on a LiveKit without StartEgress: StartParticipantEgress \{"roomName":"class-9","identity":"<participant identity>"/);
  assert.match(result.output, /#   each video track: StartTrackEgress \{"roomName":"class-9","trackId":"<track sid>","file":\{"filepath":"recordings\/\{room_name\}\/\{publisher_identity\}-\{track_id\}-\{time\}"/);
});
