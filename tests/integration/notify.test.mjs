// Notifications: the real binary tells a real receiver, which verifies every delivery with the
// official `standardwebhooks` package, when each room session's status is final
// (room_session.finished) and each recording ended (recording.ended); through a receiver that
// is down, answers 500, hangs, answers 410; a secret rotation; a restart with events pending.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EgressStatus } from '@livekit/protocol';
import { LiveKitStandIn } from './lib/standin.mjs';
import { BINARY, startRecorder, baseEnv, tempDir } from './lib/recorder.mjs';
import { sendEvent } from './lib/webhooks.mjs';
import { Receiver, newSecret } from './lib/receiver.mjs';
import { until } from './lib/wait.mjs';

const timeout = 60000;
const TOKEN = 'notify-test-token-0123456';
let standin;
before(async () => { standin = await new LiveKitStandIn({ requireRooms: true }).start(); });
after(async () => { await standin.stop(); });

function env(receiver, secret, extra = {}) {
  return baseEnv(standin, { API_TOKEN: TOKEN, NOTIFY_URL: receiver.url, NOTIFY_SECRET: secret, RECONCILE_INTERVAL: '1s', RETRY_INITIAL_DELAY: '100ms', ...extra });
}

async function api(recorder, path) {
  const answer = await fetch(`${recorder.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(answer.status, 200, path);
  return answer.json();
}

// A room's whole life told by its webhooks: it starts, is recorded, and closes with its recording
// complete (or failed as it closes).
async function recordedRoom(recorder, name, { failAtClose = false } = {}) {
  const room = standin.addRoom(name);
  await sendEvent(recorder, 'room_started', { room: { name, sid: room.sid } });
  const [start] = await recorder.waitForRecorded(standin, name);
  standin.removeRoom(name, failAtClose ? { status: EgressStatus.EGRESS_FAILED, error: 'upload failed: bucket gone' } : {});
  await sendEvent(recorder, 'egress_ended', { egressInfo: standin.snapshot(start.egressId) });
  await sendEvent(recorder, 'room_finished', { room: { name, sid: room.sid } });
  return { sid: room.sid, egressId: start.egressId };
}

test('every session ends in one verified room_session.finished with its true status and files; each recording in one recording.ended', { timeout }, async () => {
  const secret = newSecret();
  const receiver = await new Receiver({ secrets: [secret] }).start();
  const recorder = await startRecorder({ env: env(receiver, secret) });
  try {
    const recorded = await recordedRoom(recorder, 'notify-recorded');
    const failed = await recordedRoom(recorder, 'notify-failed', { failAtClose: true });
    // Closed by reconciliation: its room_finished and egress_ended never come.
    const quiet = standin.addRoom('notify-quiet');
    await sendEvent(recorder, 'room_started', { room: { name: 'notify-quiet', sid: quiet.sid } });
    await recorder.waitForRecorded(standin, 'notify-quiet');
    standin.removeRoom('notify-quiet');

    const [ok] = await receiver.finished(recorded.sid);
    assert.equal(ok.data.status, 'recorded');
    assert.equal(ok.data.name, 'notify-recorded');
    assert.equal(ok.data.why, '');
    assert.equal(ok.data.recordings.length, 1);
    const [file] = ok.data.recordings[0].files;
    assert.ok(file.location.length > 0 && file.size > 0 && file.duration_seconds > 0, JSON.stringify(file));

    const [bad] = await receiver.finished(failed.sid);
    assert.equal(bad.data.status, 'partial');
    assert.match(bad.data.why, /EGRESS_FAILED: upload failed: bucket gone/);

    const [closed] = await receiver.finished(quiet.sid, { timeoutMs: 20000 });
    assert.equal(closed.data.status, 'recorded');
    assert.equal(closed.data.closed_by, 'reconciler');

    await until(() => receiver.accepted('recording.ended').length >= 3, 'three recording.ended', 10000);
    const ended = receiver.accepted('recording.ended', recorded.sid);
    assert.equal(ended.length, 1);
    assert.equal(ended[0].event.data.recording.egress_id, recorded.egressId);
    assert.equal(ended[0].event.data.recording.status, 'EGRESS_COMPLETE');

    // Exactly once each: the ledger says so too, with its delivery state.
    await recorder.waitForPasses(2);
    for (const sid of [recorded.sid, failed.sid, quiet.sid]) {
      assert.equal(receiver.accepted('room_session.finished', sid).length, 1, sid);
      const { notifications } = await api(recorder, `/v1/rooms/${sid}`);
      assert.deepEqual(notifications.map((n) => [n.type, n.state]).sort(),
        [['recording.ended', 'delivered'], ['room_session.finished', 'delivered']], sid);
    }
    assert.deepEqual(receiver.unverified, []);
    assert.equal(await recorder.metric('auto_recorder_notifications_total', { outcome: 'delivered' }), 6);
  } finally {
    await recorder.stop();
    await receiver.stop();
  }
});

// One endpoint that wants room_session.finished only, so each session makes one delivery.
const finishedOnly = (receiver, secret, extra = '') => `notifications:
  - url: ${receiver.url}
    name: app
    secret: ${secret}
    events: [room_session.finished]
${extra}`;

test('a receiver that answers 500, then hangs, gets the event again with the same webhook-id until it answers 200', { timeout }, async () => {
  const secret = newSecret();
  const receiver = await new Receiver({ secrets: [secret] }).start();
  receiver.answers = [500, 'hang'];
  const recorder = await startRecorder({ env: baseEnv(standin, { API_TOKEN: TOKEN }), config: finishedOnly(receiver, secret, '    timeout: 1s\n'), secrets: [secret] });
  try {
    const { sid } = await recordedRoom(recorder, 'notify-flaky');
    const [event] = await receiver.finished(sid, { timeoutMs: 20000 });
    assert.equal(event.data.status, 'recorded');
    const tries = receiver.attempts(`msg_${sid}_finished`);
    assert.deepEqual(tries.map((d) => d.answered), [500, 'hang', 200]);
    // Backed off: about 1 s after the 500, and longer after the timeout.
    assert.ok(tries[1].timestamp >= tries[0].timestamp, 'attempts in order');
    assert.equal(await recorder.metric('auto_recorder_notifications_total', { endpoint: 'app', outcome: 'retried' }), 2);
    assert.equal(await recorder.metric('auto_recorder_notifications_total', { endpoint: 'app', outcome: 'delivered' }), 1);
    const { notifications } = await api(recorder, `/v1/rooms/${sid}`);
    assert.equal(notifications[0].state, 'delivered');
    assert.equal(notifications[0].attempts, 3);
  } finally {
    await recorder.stop();
    await receiver.stop();
  }
});

test('a receiver that answers 410 has refused the event for good: failed, counted and shown, never tried again', { timeout }, async () => {
  const secret = newSecret();
  const receiver = await new Receiver({ secrets: [secret] }).start();
  receiver.answers = [410];
  const recorder = await startRecorder({ env: baseEnv(standin, { API_TOKEN: TOKEN }), config: finishedOnly(receiver, secret), secrets: [secret] });
  try {
    const gone = await recordedRoom(recorder, 'notify-gone');
    await recorder.waitForMetric('auto_recorder_notifications_total', { endpoint: 'app', outcome: 'failed' }, 1);
    const { notifications } = await api(recorder, `/v1/rooms/${gone.sid}`);
    assert.equal(notifications[0].state, 'failed');
    assert.equal(notifications[0].last_error, 'HTTP 410');
    // The next session's event is delivered: the notifier went on, and never came back to it.
    const next = await recordedRoom(recorder, 'notify-after-gone');
    await receiver.finished(next.sid);
    assert.equal(receiver.attempts(`msg_${gone.sid}_finished`).length, 1);
    // The queue's gauge is read from the outbox each second: it comes back to 0.
    await recorder.until(async () => (await recorder.metric('auto_recorder_notifications_pending', { endpoint: 'app' })) === 0,
      'no notification pending', 5000, 50);
  } finally {
    await recorder.stop();
    await receiver.stop();
  }
});

test('during a secret rotation each secret signs: a receiver with the old one and one with the new one both verify', { timeout }, async () => {
  const [fresh, old] = [newSecret(), newSecret()];
  const receiver = await new Receiver({ secrets: [old] }).start();
  const recorder = await startRecorder({ env: env(receiver, `${fresh} ${old}`) });
  try {
    const { sid } = await recordedRoom(recorder, 'notify-rotation');
    await receiver.finished(sid);
    const [delivery] = receiver.accepted('room_session.finished', sid);
    assert.equal(delivery.signature.split(' ').length, 2);
    const { Webhook } = await import('standardwebhooks');
    const verified = new Webhook(fresh).verify(delivery.body, {
      'webhook-id': delivery.id, 'webhook-timestamp': String(delivery.timestamp), 'webhook-signature': delivery.signature,
    });
    assert.equal(verified.data.sid, sid);
  } finally {
    await recorder.stop();
    await receiver.stop();
  }
});

test('a receiver down while the recorder is killed and started again gets every event once it is back', { timeout }, async () => {
  const secret = newSecret();
  const receiver = await new Receiver({ secrets: [secret] }).start();
  await receiver.stop(); // down: its port refuses connections
  const cwd = tempDir();
  const settings = { env: env(receiver, secret, { NOTIFY_MAX_BACKOFF: '2s' }), cwd };
  let recorder = await startRecorder(settings);
  const sids = [];
  try {
    for (const name of ['notify-down-1', 'notify-down-2']) sids.push((await recordedRoom(recorder, name)).sid);
    await recorder.waitForMetric('auto_recorder_notifications_total', { outcome: 'retried' }, 4, 10000);
    assert.equal(await recorder.metric('auto_recorder_notifications_total', { outcome: 'delivered' }), 0);
    await recorder.stop('SIGKILL');
    recorder = await startRecorder(settings);
    await recorder.until(async () => (await recorder.metric('auto_recorder_notifications_pending')) === 4, 'the four events pending after the restart', 10000, 50);
    await receiver.up();
    for (const sid of sids) {
      const [event] = await receiver.finished(sid, { timeoutMs: 15000 });
      assert.equal(event.data.status, 'recorded');
    }
    await until(() => receiver.accepted('recording.ended').length >= 2, 'both recording.ended', 15000);
    // Duplicates only as the same event: one webhook-id per event.
    const ids = new Set(receiver.deliveries.map((d) => d.id));
    assert.deepEqual([...ids].sort(), [...sids.map((sid) => `msg_${sid}_finished`), ...receiver.accepted('recording.ended').map((d) => d.id)].sort());
    assert.deepEqual(receiver.unverified, []);
  } finally {
    await recorder.stop();
    await receiver.stop();
  }
});

test('notify resend sends a window\'s events again with their webhook-id; --check-config shows the endpoint, never its secret', { timeout }, async () => {
  const secret = newSecret();
  const receiver = await new Receiver({ secrets: [secret] }).start();
  const cwd = tempDir();
  const recorder = await startRecorder({ env: env(receiver, secret), cwd });
  try {
    const { sid } = await recordedRoom(recorder, 'notify-resend');
    await receiver.finished(sid);
    const run = (args) => spawnSync(BINARY, args, { cwd, env: env(receiver, secret), encoding: 'utf8', timeout: 10000 });
    const refused = run(['notify', 'resend', '--since', '1h', '--status', 'recordd']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /--status "recordd" is not a status/);
    const resent = run(['notify', 'resend', '--since', '1h', '--status', 'recorded']);
    assert.equal(resent.status, 0, resent.stderr);
    assert.match(resent.stdout, /^2 notifications created since .* due again/);
    const [again] = (await receiver.finished(sid, { count: 2 })).slice(1);
    assert.equal(again.data.sid, sid);
    assert.equal(receiver.attempts(`msg_${sid}_finished`).length, 2);
    // Without filters: every event of the window.
    const all = run(['notify', 'resend', '--since', '1h']);
    assert.equal(all.status, 0, all.stderr);
    assert.match(all.stdout, /^2 notifications created since/);
    await receiver.finished(sid, { count: 3 });
    // Where no ledger is (the wrong directory): an error naming the setting, and no ledger made.
    const elsewhere = tempDir();
    const lost = spawnSync(BINARY, ['notify', 'resend', '--since', '1h'], { cwd: elsewhere, env: env(receiver, secret), encoding: 'utf8', timeout: 10000 });
    assert.equal(lost.status, 1, lost.stdout);
    assert.match(lost.stderr, /ledger\.path \(LEDGER_PATH\) ledger\.db: .*the service's ledger file\?/);
    assert.ok(!existsSync(join(elsewhere, 'ledger.db')), 'resend made a ledger');

    const check = run(['--check-config']);
    assert.equal(check.status, 0, check.stderr);
    assert.match(check.stdout, /127\.0\.0\.1:\d+ <- room_session\.finished, recording\.ended; POST http:\/\/127\.0\.0\.1:\d+\/\.\.\., timeout 10s, 1 secret/);
    assert.ok(!check.stdout.includes('/hooks/recordings'), 'never the path, which may hold a token');
    assert.ok(!check.stdout.includes(secret.slice(6, 20)), 'the secret is never shown');
  } finally {
    await recorder.stop();
    await receiver.stop();
  }
});
