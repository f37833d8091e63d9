// Several replicas behind one Service, coordinated through a real redis-server: every room still
// recorded exactly once, through double delivery, a replica killed mid-run and Redis going away.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LiveKitStandIn } from './lib/standin.mjs';
import { startRecorder, baseEnv, tempDir, SKIPPED } from './lib/recorder.mjs';
import { eventBody, signBody, deliver } from './lib/webhooks.mjs';
import { RedisServer } from './lib/redis.mjs';
import { makeCa } from './lib/certs.mjs';
import { until } from './lib/wait.mjs';

// Each test's own limit, so that a hang names the test (ctest's limit names only the file).
const timeout = 60_000;

let standin;
before(async () => { standin = await new LiveKitStandIn({ requireRooms: true }).start(); });
after(async () => {
  assert.deepEqual(standin.strictErrors, [], 'every request must parse strictly');
  await standin.stop();
});

const LEASE_TTL_MS = 2000;
const FAST = { RETRY_INITIAL_DELAY: '100ms', RETRY_MAX_DELAY: '400ms', RECONCILE_INTERVAL: '1s' };
const redisEnv = (redis, extra = {}) => ({
  REDIS_ADDRESS: `127.0.0.1:${redis.port}`,
  REDIS_LEASE_TTL: `${LEASE_TTL_MS}ms`,
  REDIS_CLAIM_TTL: '3s',
  REDIS_TIMEOUT: '300ms',
  API_REQUEST_TIMEOUT: '2s', // a claim covers one call to LiveKit on top of claim_ttl
  ...extra,
});


async function startReplicas(count, env) {
  return Promise.all(Array.from({ length: count }, () => startRecorder({ env: baseEnv(standin, { ...FAST, ...env }) })));
}

async function stopAll(replicas) {
  await Promise.all(replicas.map((r) => r.stop()));
}

const hook = (recorder) => `${recorder.url}/webhook-receiver`;
const replicaId = (recorder) => recorder.output.match(/auto-recorder ready .*replica=(\S+)/)[1];

const CLAIMS = 'auto_recorder_coordination_claims_total';
const DEGRADED = 'auto_recorder_coordination_degraded';
// The sum over `replicas` of a /metrics sample.
const total = async (replicas, name, labels) => (await Promise.all(replicas.map((r) => r.metric(name, labels)))).reduce((a, b) => a + b);

// Evidence that nothing more will happen: a replica (the lease holder, the only one that
// reconciles while Redis is up) completes two more reconcile passes over every room, and no
// start is pending on any replica.
async function settled(replicas) {
  const before = await Promise.all(replicas.map((r) => r.reconcilePasses()));
  await until(async () => (await Promise.all(replicas.map((r) => r.reconcilePasses()))).some((n, i) => n >= before[i] + 2),
    'two more reconcile passes', 10000, 20);
  for (const r of replicas) await r.waitForNoPendingStarts();
}

function liveRooms(prefix, count) {
  return Array.from({ length: count }, (_, i) => {
    const name = `${prefix}-${String(i).padStart(3, '0')}`;
    const room = standin.addRoom(name);
    return { name, body: eventBody('room_started', { room: { name, sid: room.sid } }) };
  });
}

// LiveKit delivering each room_started webhook twice (its own retry after a lost answer, say),
// through a Service that picks a different replica each time; 64 deliveries at once.
async function deliverTwice(rooms, pick, auth) {
  const queue = rooms.flatMap((room, i) => [[room, i], [room, i + 1]]);
  await Promise.all(Array.from({ length: 64 }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [room, slot] = next;
      const token = await signBody(room.body, auth);
      const answers = await deliver((attempt) => pick(slot + attempt), room.body, token, { waits: [200, 400, 800, 1600] });
      assert.equal(answers.at(-1).status, 200, `delivery of ${room.name}`);
    }
  }));
}

function assertExactlyOnce(names, what) {
  const counts = standin.startCounts();
  const missing = names.filter((n) => !counts.get(n));
  const doubled = names.filter((n) => counts.get(n) > 1);
  assert.deepEqual(missing, [], `${what}: rooms never recorded`);
  assert.deepEqual(doubled, [], `${what}: rooms recorded twice`);
}

test('without Redis, replicas that get the same webhook record the room twice (what claims prevent)', { timeout }, async () => {
  standin.inject({ method: 'StartRoomCompositeEgress', times: 60, delayMs: 150 });
  const replicas = await startReplicas(3, { RECONCILE_INTERVAL: '0' });
  try {
    const rooms = liveRooms('alone', 30);
    await deliverTwice(rooms, (slot) => hook(replicas[slot % 3]), replicas[0].webhookAuth);
    await until(() => rooms.every((r) => standin.startCounts().get(r.name) >= 1), 'every room recorded', 10000);
    for (const r of replicas) await r.waitForNoPendingStarts(); // the second starts have landed too
    const doubled = rooms.filter((r) => standin.startCounts().get(r.name) > 1);
    console.log(`without Redis: ${doubled.length} of ${rooms.length} rooms recorded twice or more`);
    assert.ok(doubled.length > 0, 'the race the claims close is real');
  } finally {
    standin.faults.length = 0;
    await stopAll(replicas);
  }
});

test('three replicas, 500 rooms each delivered twice to different replicas, every reconciler on: one recording per room', { timeout }, async () => {
  const redis = await new RedisServer().start();
  // Every start takes a while, so the two deliveries of a room really overlap.
  standin.inject({ method: 'StartRoomCompositeEgress', times: 100000, delayMs: 30 });
  const replicas = await startReplicas(3, redisEnv(redis));
  try {
    const rooms = liveRooms('ha', 500);
    const lost = liveRooms('ha-lost-webhook', 20); // LiveKit never delivers these: reconciler's job
    await deliverTwice(rooms, (slot) => hook(replicas[slot % 3]), replicas[0].webhookAuth);
    const names = [...rooms, ...lost].map((r) => r.name);
    await until(() => names.every((n) => standin.startCounts().get(n) >= 1), 'every room recorded', 20000);
    await settled(replicas); // nothing doubles
    assertExactlyOnce(names, 'with Redis');

    const leaders = await Promise.all(replicas.map((r) => r.metric('auto_recorder_reconciler_leader')));
    assert.deepEqual(leaders.sort(), [0, 0, 1], 'one replica reconciles');
    assert.equal(await total(replicas, CLAIMS, { result: 'won' }), names.length, 'one claim won per room');
    // The second delivery, at another replica: its event id already claimed, or the room's start.
    const skipped = await total(replicas, SKIPPED, { reason: 'duplicate_event' }) + await total(replicas, SKIPPED, { reason: 'claimed_elsewhere' });
    assert.ok(skipped >= 500, `every second delivery was recognised (${skipped})`);
    for (const r of replicas) assert.equal(await r.metric(DEGRADED), 0);
  } finally {
    standin.faults.length = 0;
    await stopAll(replicas);
    await redis.stop();
  }
});

test('SIGKILL of the replica holding the reconciler lease mid-run: one recording per room, the lease moves within one lease period', { timeout }, async () => {
  const redis = await new RedisServer().start();
  standin.inject({ method: 'StartRoomCompositeEgress', times: 100000, delayMs: 30 });
  const replicas = await startReplicas(3, redisEnv(redis));
  const alive = new Set(replicas);
  try {
    await until(() => redis.cli('GET', 'auto-recorder:reconciler') !== '', 'a lease holder', 10000);
    const holder = replicas.find((r) => replicaId(r) === redis.cli('GET', 'auto-recorder:reconciler'));
    assert.ok(holder, 'the lease names a replica');
    const rooms = liveRooms('kill', 300);
    let delivered = 0;
    // A Service routes each attempt to a replica that is alive.
    const pick = (slot) => { const live = [...alive]; return hook(live[slot % live.length]); };
    const sending = deliverTwice(rooms, (slot) => { delivered += 1; return pick(slot); }, replicas[0].webhookAuth);
    await until(() => delivered >= 200, 'part of the burst delivered', 10000);
    alive.delete(holder);
    holder.child.kill('SIGKILL');
    const killedAt = Date.now();
    await holder.stop('SIGKILL');
    let successor;
    await until(async () => {
      const leading = await Promise.all([...alive].map((r) => r.metric('auto_recorder_reconciler_leader')));
      successor = [...alive][leading.indexOf(1)];
      return successor !== undefined;
    }, 'another replica taking the reconciler lease', LEASE_TTL_MS * 3, 20);
    const takeover = Date.now() - killedAt;
    console.log(`lease moved from ${replicaId(holder)} to ${replicaId(successor)} ${takeover} ms after the kill`);
    assert.ok(takeover <= LEASE_TTL_MS + 300, `took over after ${takeover} ms (lease_ttl ${LEASE_TTL_MS} ms)`);
    await sending;
    // Rooms the killed replica had claimed but not started wait for their claim to expire
    // (claim_ttl 3 s + api_request_timeout 2 s); then the new lease holder's reconciler records them.
    await until(() => rooms.every((r) => standin.startCounts().get(r.name) >= 1), 'every room recorded', 20000);
    await settled([...alive]);
    assertExactlyOnce(rooms.map((r) => r.name), 'after the kill');
  } finally {
    standin.faults.length = 0;
    await stopAll([...alive]);
    await redis.stop();
  }
});

test('Redis stopped mid-run: rooms keep being recorded and metrics show the degradation; Redis back: claims resume', { timeout }, async () => {
  const redis = await new RedisServer().start();
  const replicas = await startReplicas(3, redisEnv(redis));
  const auth = replicas[0].webhookAuth;
  const sendOnce = (rooms) => Promise.all(rooms.map(async (room, i) =>
    deliver(hook(replicas[i % 3]), room.body, await signBody(room.body, auth))));
  try {
    const before = liveRooms('redis-up', 30);
    await sendOnce(before);
    await until(() => before.every((r) => standin.startCounts().get(r.name) >= 1), 'recorded with Redis', 10000);

    await redis.stop();
    const during = liveRooms('redis-down', 30);
    await sendOnce(during);
    await until(() => during.every((r) => standin.startCounts().get(r.name) >= 1), 'recorded without Redis', 10000);
    for (const r of replicas) {
      await r.waitForMetric(DEGRADED, {}, 1);
      assert.equal((await fetch(`${r.url}/readyz`)).status, 200, 'still ready');
    }
    assert.ok(await total(replicas, CLAIMS, { result: 'unavailable' }) >= during.length, 'starts went ahead without a claim');

    await redis.start(); // same port, empty: claims start afresh
    for (const r of replicas) {
      await until(async () => (await r.metric(DEGRADED)) === 0, 'reconnected to Redis: degraded back to 0', 10000);
    }
    const wonBefore = await total(replicas, CLAIMS, { result: 'won' });
    const after = liveRooms('redis-back', 30);
    await deliverTwice(after, (slot) => hook(replicas[slot % 3]), auth);
    await until(() => after.every((r) => standin.startCounts().get(r.name) >= 1), 'recorded after Redis returned', 10000);
    await settled(replicas);
    assert.equal(await total(replicas, CLAIMS, { result: 'won' }) - wonBefore, after.length, 'claims resumed');
    assertExactlyOnce([...before, ...after].map((r) => r.name), 'with Redis up');
    assert.ok(redis.cli('EXISTS', 'auto-recorder:reconciler') === '1', 'a replica holds the lease again');
  } finally {
    await stopAll(replicas);
    await redis.stop();
  }
});

test('Redis over TLS with a password from a file, and a key prefix: claims work, the password is never printed', { timeout }, async () => {
  const dir = tempDir();
  const issue = makeCa(dir);
  const server = issue('redis');
  const password = 'redis-password-never-printed';
  const ca = join(dir, 'ca.pem');
  const redis = await new RedisServer({
    tls: { ...server, ca }, args: ['--requirepass', password], cliArgs: ['--tls', '--cacert', ca, '-a', password],
  }).start();
  const passwordFile = join(dir, 'redis-password');
  writeFileSync(passwordFile, `${password}\n`);
  const [recorder] = await startReplicas(1, {
    REDIS_ADDRESS: `127.0.0.1:${redis.port}`,
    REDIS_TLS: 'true',
    REDIS_CA_FILE: ca,
    REDIS_PASSWORD_FILE: passwordFile,
    REDIS_KEY_PREFIX: 'team-a:rec:',
  });
  try {
    // Connected: the reconciler lease is taken, under the prefix.
    await until(() => redis.cli('EXISTS', 'team-a:rec:reconciler') === '1', 'the lease in Redis', 10000);
    const [room] = liveRooms('over-tls', 1);
    await deliver(hook(recorder), room.body, await signBody(room.body, recorder.webhookAuth));
    await recorder.waitForRecorded(standin, 'over-tls-000');
    assert.equal(await recorder.metric(CLAIMS, { result: 'won' }), 1);
    const keys = redis.cli('KEYS', '*').split('\n').sort();
    // The lease and the room's claim; the webhook's event key too, unless the reconciler's first
    // pass (the room is live at the stand-in) claimed the room before the webhook came.
    assert.ok(keys.includes('team-a:rec:reconciler'), keys.join(' '));
    assert.ok(keys.some((k) => k.startsWith('team-a:rec:room:')), keys.join(' '));
    assert.ok(keys.every((k) => k.startsWith('team-a:rec:')), keys.join(' '));
  } finally {
    await recorder.stop(); // scans the output for the password
    await redis.stop();
  }
  assert.ok(!recorder.output.includes(password));
});

test('Redis Sentinel: the master is found through a Sentinel', { timeout }, async () => {
  const master = await new RedisServer().start();
  const sentinel = await new RedisServer({ sentinelOf: master }).start();
  const [recorder] = await startReplicas(1, {
    REDIS_SENTINEL_ADDRESSES: `127.0.0.1:1,127.0.0.1:${sentinel.port}`, // the first is down
    REDIS_SENTINEL_MASTER_NAME: 'mymaster',
  });
  try {
    // The master the Sentinel named holds the reconciler lease.
    await until(() => master.cli('EXISTS', 'auto-recorder:reconciler') === '1', 'the lease at the master', 10000);
    const [room] = liveRooms('via-sentinel', 1);
    await deliver(hook(recorder), room.body, await signBody(room.body, recorder.webhookAuth));
    await recorder.waitForRecorded(standin, 'via-sentinel-000');
    assert.equal(await recorder.metric(CLAIMS, { result: 'won' }), 1);
    assert.match(master.cli('KEYS', 'auto-recorder:room:*'), /auto-recorder:room:RM_/);
  } finally {
    await recorder.stop();
    await sentinel.stop();
    await master.stop();
  }
});

test('an ACL user limited to the key prefix and six commands is all the replicas need (docs/scaling.md)', { timeout }, async () => {
  const password = 'acl-password-0123456789';
  const acl = ['--user', 'default', 'off', '--user', 'auto-recorder', 'on', `>${password}`, '~auto-recorder:*',
    '-@all', '+eval', '+get', '+set', '+del', '+pexpire', '+select'];
  const redis = await new RedisServer({ args: acl, cliArgs: ['--user', 'auto-recorder', '--pass', password] }).start();
  const replicas = await startReplicas(2, redisEnv(redis, { REDIS_USERNAME: 'auto-recorder', REDIS_PASSWORD: password, REDIS_DB: '1' }));
  try {
    const rooms = liveRooms('acl', 10);
    await deliverTwice(rooms, (slot) => hook(replicas[slot % 2]), replicas[0].webhookAuth);
    await until(() => rooms.every((r) => standin.startCounts().get(r.name) >= 1), 'every room recorded', 10000);
    await settled(replicas);
    assertExactlyOnce(rooms.map((r) => r.name), 'with an ACL user');
    assert.equal(await total(replicas, CLAIMS, { result: 'won' }), rooms.length);
    assert.equal(redis.cli('-n', '1', 'GET', 'auto-recorder:reconciler').length > 0, true, 'the lease is held');
  } finally {
    await stopAll(replicas);
    await redis.stop();
  }
});
