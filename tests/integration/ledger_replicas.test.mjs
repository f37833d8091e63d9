// The ledger of several replicas: one PostgreSQL database (a real server) that every replica
// writes, so a room whose webhooks reached one replica is listed by another, and by the report.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EgressStatus, EgressInfo } from '@livekit/protocol';
import { LiveKitStandIn } from './lib/standin.mjs';
import { startRecorder, runToExit, baseEnv, tempDir } from './lib/recorder.mjs';
import { RedisServer } from './lib/redis.mjs';
import { PostgresServer } from './lib/postgres.mjs';
import { eventBody, signBody, post } from './lib/webhooks.mjs';
import { until } from './lib/wait.mjs';
import { Receiver, newSecret } from './lib/receiver.mjs';
import { spawn, execFileSync } from 'node:child_process';

// Each test's own limit, so that a hang names the test (ctest's limit names only the file).
const timeout = 60_000;

let standin;
let redis;
let postgres;
before(async () => {
  standin = await new LiveKitStandIn({ requireRooms: true }).start();
  redis = await new RedisServer().start();
  postgres = new PostgresServer().start();
});
after(async () => {
  await standin.stop();
  await redis.stop();
  postgres.stop();
});

const TOKEN = 'Tk9fQ2xW7vR3mZp1';

// The URL in the configuration file, its password from a variable (as config.yaml.example shows).
function replicaSetup() {
  const env = baseEnv(standin, {
    RETRY_INITIAL_DELAY: '100ms', RETRY_MAX_DELAY: '400ms', RECONCILE_INTERVAL: '0',
    REDIS_ADDRESS: `127.0.0.1:${redis.port}`, API_TOKEN: TOKEN, LEDGER_DB_PASSWORD: postgres.password,
  });
  const config = `ledger:\n  postgres_url: "${postgres.urlWithPassword('${LEDGER_DB_PASSWORD}')}"\n`;
  return { env, config, secrets: [postgres.password] };
}

async function hook(recorder, body) {
  const answer = await post(`${recorder.url}/webhook-receiver`, body, { authorization: await signBody(body, recorder.webhookAuth) });
  assert.equal(answer.status, 200, answer.text);
}

async function roomsOf(recorder) {
  const answer = await fetch(`${recorder.url}/v1/rooms?since=1h`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(answer.status, 200);
  return (await answer.json()).rooms;
}

test('replicas write one ledger: a room whose webhooks reached one replica is listed by the other', { timeout }, async () => {
  const { env, config, secrets } = replicaSetup();
  // Started together: the schema is created once, under PostgreSQL's advisory lock.
  const [a, b] = await Promise.all([0, 1].map(() => startRecorder({ env, config, secrets })));
  const room = standin.addRoom('tribunal-7');
  try {
    for (const r of [a, b]) assert.match(r.output, /auto-recorder ready .*ledger=postgresql:\/\/127\.0\.0\.1:\d+\/postgres/);
    await hook(a, eventBody('room_started', { room: { name: room.name, sid: room.sid } }));
    await a.waitForRecorded(standin, 'tribunal-7');
    const egress = standin.endEgress(standin.startsFor('tribunal-7')[0].egressId, EgressStatus.EGRESS_COMPLETE);
    await hook(a, eventBody('egress_ended', { egressInfo: new EgressInfo(egress) }));
    await hook(b, eventBody('room_finished', { room: { name: room.name, sid: room.sid } }));
    let found;
    await until(async () => {
      found = (await roomsOf(b)).find((r) => r.sid === room.sid);
      return found?.status === 'recorded' && found.finished_at;
    }, 'the room recorded, as the other replica lists it', 10000, 50);
    assert.equal(found.recordings[0].egress_id, egress.egressId);
    assert.equal(found.recordings[0].files[0].location, egress.fileResults[0].location);
    assert.deepEqual((await roomsOf(a)).find((r) => r.sid === room.sid), found);

    // The audit reads the same database with the same configuration.
    const cwd = tempDir();
    const report = await runToExit({ env, config, cwd, secrets, args: ['report', '--since', '1h', '--format', 'json'] });
    assert.equal(report.code, 0, report.output);
    assert.equal(JSON.parse(report.output).rooms.find((r) => r.sid === room.sid)?.status, 'recorded');
    // A reporting CronJob's: LEDGER_POSTGRES_URL and nothing else, no LiveKit secret.
    const alone = await runToExit({ env: { LEDGER_POSTGRES_URL: postgres.url }, cwd, secrets, args: ['report', '--since', '1h', '--format', 'json'] });
    assert.equal(alone.code, 0, alone.output);
    assert.equal(JSON.parse(alone.output).rooms.find((r) => r.sid === room.sid)?.status, 'recorded');
  } finally {
    await Promise.all([a.stop(), b.stop()]); // each checks its output holds no password
    standin.removeRoom('tribunal-7');
  }
});

test('replicas share one outbox: each session\'s notification is delivered once, by one of them, whichever wrote it', { timeout }, async () => {
  const { env, config, secrets } = replicaSetup();
  const secret = newSecret();
  const receiver = await new Receiver({ secrets: [secret] }).start();
  const notify = { ...env, NOTIFY_URL: receiver.url, NOTIFY_SECRET: secret };
  const [a, b] = await Promise.all([0, 1].map(() => startRecorder({ env: notify, config, secrets })));
  const names = ['outbox-1', 'outbox-2', 'outbox-3', 'outbox-4'];
  const rooms = names.map((name) => standin.addRoom(name));
  try {
    // Each room's webhooks reach either replica, as a Service spreads them.
    for (const [i, room] of rooms.entries()) {
      const [first, second] = i % 2 === 0 ? [a, b] : [b, a];
      await hook(first, eventBody('room_started', { room: { name: room.name, sid: room.sid } }));
      await first.waitForRecorded(standin, room.name);
      const egress = standin.endEgress(standin.startsFor(room.name)[0].egressId, EgressStatus.EGRESS_COMPLETE);
      await hook(second, eventBody('egress_ended', { egressInfo: new EgressInfo(egress) }));
      await hook(second, eventBody('room_finished', { room: { name: room.name, sid: room.sid } }));
    }
    for (const room of rooms) assert.equal((await receiver.finished(room.sid))[0].data.status, 'recorded');
    await until(() => receiver.accepted('recording.ended').length === rooms.length, 'every recording.ended', 10000);
    // Each event went once, from one replica: the two counted as many deliveries as there are
    // events.
    const ids = receiver.deliveries.map((d) => d.id);
    assert.equal(ids.length, 2 * rooms.length);
    assert.equal(new Set(ids).size, ids.length, 'each event once');
    const delivered = async (r) => r.metric('auto_recorder_notifications_total', { outcome: 'delivered' });
    assert.equal((await delivered(a)) + (await delivered(b)), 2 * rooms.length);
    assert.deepEqual(receiver.unverified, []);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    await receiver.stop();
    for (const name of names) standin.removeRoom(name);
  }
});

test('PostgreSQL killed for real: recording goes on, /readyz stays 200, and the ledger catches up when it returns', { timeout }, async () => {
  const { env, config, secrets } = replicaSetup();
  const recorder = await startRecorder({ env, config, secrets });
  const rooms = ['outage-1', 'outage-2'].map((name) => standin.addRoom(name));
  try {
    postgres.kill();
    for (const room of rooms) await hook(recorder, eventBody('room_started', { room: { name: room.name, sid: room.sid } }));
    await recorder.waitForRecorded(standin, 'outage-2');
    assert.equal(standin.startsFor('outage-1').length, 1, 'recorded while the ledger is down');
    await recorder.waitForMetric('auto_recorder_ledger_write_errors_total', {}, 1, 10000);
    const ready = await fetch(`${recorder.url}/readyz`);
    assert.equal(ready.status, 200, await ready.text());
    await recorder.waitForMetric('auto_recorder_ledger_queue', {}, 1, 10000); // entries waiting in the queue

    postgres.restart();
    await recorder.until(async () => {
      // While PostgreSQL comes back, a read may fail (503): not yet.
      const answer = await fetch(`${recorder.url}/v1/rooms?since=1h`, { headers: { authorization: `Bearer ${TOKEN}` } });
      if (answer.status !== 200) return false;
      const listed = new Map((await answer.json()).rooms.map((r) => [r.sid, r.status]));
      return rooms.every((room) => listed.get(room.sid) === 'recording');
    }, 'both rooms in the ledger after the outage: it writes again', 30000);
    assert.equal(await recorder.metric('auto_recorder_ledger_queue'), 0);
    assert.equal(await recorder.metric('auto_recorder_ledger_dropped_total'), 0, 'nothing lost');
  } finally {
    await recorder.stop();
    for (const room of rooms) standin.removeRoom(room.name);
  }
});

// psql's one-line answer to `sql`, as the test's own client (not the recorder's).
function psql(sql) {
  return execFileSync('psql', [postgres.url, '-tAc', sql], { encoding: 'utf8' }).trim();
}

const LOCK_HOLDER = 'dba-migration';

// What a DBA's migration or VACUUM FULL does: a transaction that holds the rooms table locked.
function lockRoomsTable() {
  const holder = spawn('psql', [postgres.url, '-c', 'BEGIN; LOCK TABLE rooms IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(120)'], {
    env: { ...process.env, PGAPPNAME: LOCK_HOLDER }, stdio: 'ignore',
  });
  return {
    held: () => psql(`SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.application_name = '${LOCK_HOLDER}' AND l.mode = 'AccessExclusiveLock' AND l.granted`) === '1',
    release: () => {
      psql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '${LOCK_HOLDER}'`);
      holder.kill();
    },
  };
}

// The recorder's connections that wait for a lock: its readers (and its writer, once it writes).
const waitingOnLock = () => Number(psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'auto-recorder' AND wait_event_type = 'Lock'"));

test('a table PostgreSQL holds locked: webhooks are answered at once while 8 API reads wait, and the reads end at ledger.query_timeout with 503 and Retry-After', { timeout }, async () => {
  const { env, config, secrets } = replicaSetup();
  // One HTTP thread: a read that held it would hold every webhook.
  Object.assign(env, { SERVER_THREADS: '1', LEDGER_QUERY_TIMEOUT: '1500ms' });
  const recorder = await startRecorder({ env, config, secrets });
  const room = standin.addRoom('locked-ledger');
  const lock = lockRoomsTable();
  try {
    await until(async () => lock.held(), 'the rooms table locked', 10000, 50);
    let readsEnded = 0;
    const reads = Array.from({ length: 8 }, () => fetch(`${recorder.url}/v1/rooms?since=1h`, { headers: { authorization: `Bearer ${TOKEN}` } })
      .then(async (answer) => { readsEnded += 1; return { status: answer.status, retryAfter: answer.headers.get('retry-after'), text: await answer.text() }; }));
    await until(async () => waitingOnLock() >= 4, 'four readers waiting on the lock', 10000, 50);

    await hook(recorder, eventBody('room_started', { room: { name: room.name, sid: room.sid } }));
    assert.equal(readsEnded, 0, 'the webhook was answered while every read still waited on the lock');
    await recorder.waitForRecorded(standin, 'locked-ledger');
    const health = await fetch(`${recorder.url}/readyz`);
    assert.equal(health.status, 200);

    // Four run at once and wait for the lock; four wait for a reader. Each is stopped at its limit.
    for (const answer of await Promise.all(reads)) {
      assert.equal(answer.status, 503, answer.text);
      assert.equal(answer.retryAfter, '1');
      assert.match(answer.text, /^the ledger query ran past its time limit \(1s500ms\): narrow the window/);
    }
    assert.equal(await recorder.metric('auto_recorder_ledger_reads_total', { result: 'timeout' }), 8);
  } finally {
    lock.release();
  }
  try {
    // The lock gone: the writer catches up and the readers answer again.
    await recorder.until(async () => {
      const answer = await fetch(`${recorder.url}/v1/rooms?since=1h`, { headers: { authorization: `Bearer ${TOKEN}` } });
      return answer.status === 200 && (await answer.json()).rooms.some((r) => r.sid === room.sid);
    }, 'the room listed once the lock is gone', 10000);
  } finally {
    await recorder.stop();
    standin.removeRoom('locked-ledger');
  }
});

test('a PostgreSQL ledger that answers no stops the start, naming the setting and the reason, never the password', { timeout }, async () => {
  const { env, secrets } = replicaSetup();
  const wrong = `ledger:\n  postgres_url: "${postgres.urlWithPassword('not-${LEDGER_DB_PASSWORD}')}"\n`;
  const denied = await runToExit({ env, config: wrong, secrets });
  assert.equal(denied.code, 1, denied.output);
  assert.match(denied.output, /ledger\.postgres_url \(LEDGER_POSTGRES_URL\) postgresql:\/\/127\.0\.0\.1:\d+\/postgres: cannot connect: .*password authentication failed/);
  const unknown = `ledger:\n  postgres_url: "${postgres.urlWithPassword('${LEDGER_DB_PASSWORD}').replace(/\/postgres$/, '/no_such_database')}"\n`;
  const missing = await runToExit({ env, config: unknown, secrets });
  assert.equal(missing.code, 1, missing.output);
  assert.match(missing.output, /database "no_such_database" does not exist/);
});

test('PostgreSQL down at startup: the recorder starts and records, /readyz is 200, and the ledger catches up when it comes', { timeout }, async () => {
  const { env, config, secrets } = replicaSetup();
  const room = standin.addRoom('born-in-an-outage');
  postgres.kill();
  let down = true;
  let recorder;
  try {
    recorder = await startRecorder({ env, config, secrets });
    // log: the operator's sign that the start went on without the ledger, and why
    await recorder.waitForLogLine(/ledger: PostgreSQL does not answer; the recorder starts without it/);
    assert.equal((await fetch(`${recorder.url}/readyz`)).status, 200);
    await hook(recorder, eventBody('room_started', { room: { name: room.name, sid: room.sid } }));
    await recorder.waitForRecorded(standin, 'born-in-an-outage');
    await recorder.waitForMetric('auto_recorder_ledger_write_errors_total', {}, 1, 10000);
    const read = await fetch(`${recorder.url}/v1/rooms?since=1h`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(read.status, 503, 'the API says the ledger cannot be read, not that it is empty');

    postgres.restart();
    down = false;
    await recorder.until(async () => {
      const answer = await fetch(`${recorder.url}/v1/rooms?since=1h`, { headers: { authorization: `Bearer ${TOKEN}` } });
      if (answer.status !== 200) return false;
      return (await answer.json()).rooms.some((r) => r.sid === room.sid && r.status === 'recording');
    }, 'the room in the ledger once PostgreSQL answers', 30000);
    assert.equal(await recorder.metric('auto_recorder_ledger_dropped_total'), 0, 'nothing lost');
  } finally {
    if (down) postgres.restart();
    await recorder?.stop();
    standin.removeRoom(room.name);
  }
});
