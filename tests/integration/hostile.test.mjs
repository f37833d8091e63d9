// Hostile input, round three, against the real binary: what the ledger's API and page answer to a
// caller who probes them (two Authorization headers, page tokens out of range, values echoed,
// headers that let a page be cached, sniffed or framed), and what `report` prints of names that
// carry terminal escapes or spreadsheet formulas, a ledger file deleted under the service, and a
// Redis that announces gigabytes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { LiveKitStandIn } from './lib/standin.mjs';
import { startRecorder, baseEnv, runToExit, tempDir, freePort } from './lib/recorder.mjs';
import { exchange, statuses, counterValue } from './lib/raw_http.mjs';
import { eventBody, roomSid, sendEvent } from './lib/webhooks.mjs';

// Each test's own limit, so that a hang names the test (ctest's limit names only the file).
const timeout = 60_000;

const TOKEN = randomBytes(18).toString('base64url');
const cwd = tempDir();
let standin;
let recorder;
before(async () => {
  standin = await new LiveKitStandIn().start();
  recorder = await startRecorder({ env: baseEnv(standin, { RECONCILE_INTERVAL: '0', API_TOKEN: TOKEN }), cwd });
});
after(async () => {
  await recorder.stop();
  await standin.stop();
});

const bearer = { authorization: `Bearer ${TOKEN}` };

test('two Authorization headers are refused with 400, whichever of them is right', { timeout }, async () => {
  for (const [first, second] of [[TOKEN, 'wrong'], ['wrong', TOKEN], [TOKEN, TOKEN]]) {
    const { received } = await exchange(recorder.port,
      `GET /v1/rooms HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${first}\r\nAuthorization: Bearer ${second}\r\n\r\n`);
    assert.deepEqual(statuses(received), [400], received);
    assert.match(received, /a request has at most one Authorization header/);
  }
  const { received } = await exchange(recorder.port,
    `GET /v1/rooms HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`);
  assert.deepEqual(statuses(received), [200], received);
});

test('every answer of /v1 and /ui is no-store, nosniff, never framed and without script', { timeout }, async () => {
  const answers = [
    await fetch(`${recorder.url}/v1/rooms`, { headers: bearer }),
    await fetch(`${recorder.url}/ui`, { headers: bearer }),
    await fetch(`${recorder.url}/v1/rooms/RM_none`, { headers: bearer }),
    await fetch(`${recorder.url}/v1/rooms?limit=0`, { headers: bearer }),
    await fetch(`${recorder.url}/ui`),
  ];
  assert.deepEqual(answers.map((a) => a.status), [200, 200, 404, 400, 401]);
  for (const answer of answers) {
    assert.equal(answer.headers.get('cache-control'), 'no-store', answer.url);
    assert.equal(answer.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(answer.headers.get('x-frame-options'), 'DENY');
    const policy = answer.headers.get('content-security-policy');
    assert.match(policy, /frame-ancestors 'none'/);
    assert.match(policy, /default-src 'none'/);
    assert.doesNotMatch(policy, /script-src/, 'no script may run: default-src none covers it');
  }
  // The health endpoints are for probes, and say nothing private.
  assert.equal((await fetch(`${recorder.url}/livez`)).headers.get('cache-control'), null);
});

test('a 400 names the parameter, never echoes its value', { timeout }, async () => {
  const marker = '<svg onload=alert(1)>';
  for (const query of [`status=${encodeURIComponent(marker)}`, `fields=${encodeURIComponent(marker)}`,
    `${encodeURIComponent(marker)}=1`, `since=${encodeURIComponent(marker)}`]) {
    const answer = await fetch(`${recorder.url}/v1/rooms?${query}`, { headers: bearer });
    const text = await answer.text();
    assert.equal(answer.status, 400, query);
    assert.match(text, /^query parameter /, query);
    assert.ok(!text.includes('svg') && !text.includes('alert'), `${query} was echoed: ${text}`);
  }
  const page = await fetch(`${recorder.url}/ui?${encodeURIComponent(marker)}=1`, { headers: bearer });
  assert.equal(page.status, 400);
  assert.ok(!(await page.text()).includes('svg'));
});

test('page tokens out of range or of the wrong shape get 400, not an empty page', { timeout }, async () => {
  for (const token of ['99999999999999999999999:x', '-5:RM_1', '253402300800000:RM_1', '1:', '1:RM 1', 'x:RM_1']) {
    const answer = await fetch(`${recorder.url}/v1/rooms?page_token=${encodeURIComponent(token)}`, { headers: bearer });
    assert.equal(answer.status, 400, token);
    assert.equal(await answer.text(), 'query parameter page_token: is not one this service gave\n');
  }
  const good = await fetch(`${recorder.url}/v1/rooms?page_token=${encodeURIComponent(`${Date.now()}:RM_1`)}`, { headers: bearer });
  assert.equal(good.status, 200);
});

// What `cat -v` would show as ^X or M-^X: every C0 byte but the newline, DEL, C1 (as UTF-8), and
// the line and paragraph separators.
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/u;

test('report prints hostile room names safely for a terminal (table) and a spreadsheet (CSV)', { timeout }, async () => {
  const names = [
    'osc\u001b]0;pwned\u0007-title', 'csi\u001b[2J\u001b[H-clear', 'row\r\nRM_forged,fake,recorded',
    'c1\u009b31m-red', 'sep\u2028-line', '=HYPERLINK("http://evil.example/x")', '+1+1', '@SUM(A1)', '-2+3',
  ];
  for (const name of names) {
    const answer = await sendEvent(recorder, 'room_started', { room: { name, sid: roomSid() } });
    assert.equal(answer.status, 200, answer.text);
  }
  for (const name of names) await recorder.waitForLedgerRoom(name);
  const env = { ...baseEnv(standin), API_TOKEN: TOKEN };
  const table = await runToExit({ env, cwd, args: ['report', '--since', '1h'] });
  assert.equal(table.code, 0, table.output);
  assert.doesNotMatch(table.output, RAW_CONTROL, table.output);
  assert.match(table.output, /osc\\u001b\]0;pwned\\u0007-title/);
  assert.doesNotMatch(table.output, /^RM_forged/m, 'a line break in a name starts no row');

  const csv = await runToExit({ env, cwd, args: ['report', '--since', '1h', '--format', 'csv'] });
  assert.equal(csv.code, 0, csv.output);
  assert.doesNotMatch(csv.output, RAW_CONTROL, csv.output);
  const rows = csv.output.trimEnd().split('\n');
  assert.equal(rows.length, 1 + names.length, 'one row per session, none forged');
  for (const formula of ['=HYPERLINK(""http://evil.example/x"")', '+1+1', '@SUM(A1)', '-2+3']) {
    assert.ok(rows.some((row) => row.includes(`,"'${formula}",`)), `${formula} is guarded: ${csv.output}`);
  }
  for (const row of rows.slice(1)) {
    assert.doesNotMatch(row.split(',')[1], /^[=+\-@]/, `no cell starts a formula: ${row}`);
  }
});

test('a ledger file deleted while the service runs is said, counted, made anew, and nothing after it is lost', { timeout }, async () => {
  const dir = tempDir();
  const env = baseEnv(standin, { RECONCILE_INTERVAL: '0', API_TOKEN: TOKEN });
  let deleting = await startRecorder({ env, cwd: dir });
  try {
    const before = await sendEvent(deleting, 'room_started', { room: { name: 'before-rm', sid: roomSid() } });
    assert.equal(before.status, 200);
    await deleting.waitForLedgerRoom('before-rm');
    for (const file of readdirSync(dir).filter((name) => name.startsWith('ledger.db'))) rmSync(join(dir, file));
    // Found within seconds by the idle check, without waiting for a room.
    await deleting.waitForMetric('auto_recorder_ledger_file_replaced_total', {}, 1, 15000);
    assert.match(deleting.output, /ledger file deleted or replaced while the service runs.*what=.?was deleted/);
    assert.ok(existsSync(join(dir, 'ledger.db')), 'a new file at the same path');
    const after = await sendEvent(deleting, 'room_started', { room: { name: 'after-rm', sid: roomSid() } });
    assert.equal(after.status, 200);
    await deleting.waitForLedgerRoom('after-rm'); // the API reads the new file too
    await deleting.stop();
    // After a restart: everything since the deletion is there.
    deleting = await startRecorder({ env, cwd: dir });
    await deleting.waitForLedgerRoom('after-rm');
    assert.equal(await deleting.metric('auto_recorder_ledger_file_replaced_total'), 0);
  } finally {
    await deleting.stop();
  }
});

// A "Redis" that answers every command with the header of a 2 GB string, then streams its bytes,
// or with the header of an array of 2 billion elements.
async function hostileRedis(header) {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => {
      socket.write(header);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (!socket.destroyed && socket.write(chunk)) { /* until the kernel's buffer is full */ }
        if (!socket.destroyed) socket.once('drain', pump);
      };
      pump();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const rssMiB = (pid) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) / 1024;

for (const [what, header] of [['a 2 GB string', '$2000000000\r\n'], ['an array of 2 billion elements', '*2000000000\r\n']]) {
  test(`a Redis reply announcing ${what} is refused at its header, counted and said; memory stays put`, { timeout }, async () => {
    const redis = await hostileRedis(header);
    const flooded = await startRecorder({
      env: baseEnv(standin, { RECONCILE_INTERVAL: '0', REDIS_ADDRESS: `127.0.0.1:${redis.address().port}` }),
    });
    try {
      const before = rssMiB(flooded.child.pid);
      // A room's claim is the first command: its reply is the flood.
      const answer = await sendEvent(flooded, 'room_started', { room: { name: `redis-flood-${what.length}`, sid: roomSid() } });
      assert.equal(answer.status, 200, 'webhooks are answered meanwhile');
      await flooded.waitForMetric('auto_recorder_redis_replies_refused_total', {}, 1, 20000);
      // log: refusing the reply is said, with why; that line is the behaviour
      await flooded.waitForLogLine(/Redis unreachable.*Redis announced (a string of 2000000000 bytes|an array of 2000000000 elements), more than the recorder ever asks for: the connection is closed/);
      assert.ok(rssMiB(flooded.child.pid) - before < 16, `RSS grew from ${before} to ${rssMiB(flooded.child.pid)} MiB`);
      await flooded.waitForRecorded(standin, `redis-flood-${what.length}`); // with the ListEgress check alone
    } finally {
      await flooded.stop();
      redis.close();
    }
  });
}

// Every connection makes progress or goes (docs/security.md, "Slow clients"): the documented
// ceiling of what one connection holds while its client is slow, besides the body it sent.
const PER_CONNECTION_KIB = 96;
const FLOOD = 1100; // past the default max_connections, 1024

async function openFlood(port, count, first) {
  const sockets = [];
  for (let i = 0; i < count; i += 1) {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise((resolve) => { socket.once('connect', resolve); socket.once('close', resolve); });
    if (!socket.destroyed) socket.write(first);
    sockets.push(socket);
  }
  return sockets;
}

// Metrics are read on the health port: the flood's port closes idle connections, a kept-alive
// poll's too.
const evictions = async (recorder) => recorder.metric('auto_recorder_connections_evicted_total');
const floodEnv = async () => baseEnv(standin, { RECONCILE_INTERVAL: '0', HEALTH_PORT: String(await freePort()) });

test('1 100 clients that send a body a byte every 1.5 s cannot lock LiveKit out', { timeout: 120_000 }, async () => {
  const flooded = await startRecorder({ env: await floodEnv() });
  const sockets = [];
  let trickle;
  try {
    const before = rssMiB(flooded.child.pid);
    sockets.push(...await openFlood(flooded.port, FLOOD,
      'POST /webhook-receiver HTTP/1.1\r\nHost: x\r\nContent-Type: application/webhook+json\r\nContent-Length: 100000\r\n\r\n{'));
    trickle = setInterval(() => { for (const s of sockets) if (!s.destroyed) s.write('x'); }, 1500);
    await flooded.until(async () => (await evictions(flooded)) >= FLOOD - 1024, 'the flood past max_connections', 20000, 50);
    const answer = await sendEvent(flooded, 'room_started', { room: { name: 'amid-trickling-bodies', sid: roomSid() } });
    assert.equal(answer.status, 200, answer.text);
    assert.ok(answer.ms < 1000, `answered in ${answer.ms.toFixed(0)} ms amid ${FLOOD} trickling bodies`);
    await flooded.waitForRecorded(standin, 'amid-trickling-bodies');
    assert.equal(counterValue(await flooded.metrics(), 'auto_recorder_webhooks_rejected_total', { reason: 'too_many_connections' }), 0);
    const grown = rssMiB(flooded.child.pid) - before;
    if (!process.env.ASAN_OPTIONS) assert.ok(grown < (1024 * PER_CONNECTION_KIB) / 1024, `RSS grew by ${grown.toFixed(1)} MiB`);
    console.log(`trickling bodies: RSS +${grown.toFixed(1)} MiB for ${FLOOD} connections, webhook in ${answer.ms.toFixed(0)} ms`);
  } finally {
    clearInterval(trickle);
    for (const s of sockets) s.destroy();
    await flooded.stop();
  }
});

test('1 100 clients that pipeline GET /metrics with a tiny window and never read cannot lock LiveKit out', { timeout: 120_000 }, async () => {
  const flooded = await startRecorder({ env: await floodEnv() });
  const script = new URL('./lib/unread_pipeline.py', import.meta.url).pathname;
  const readers = spawn('python3', [script, String(flooded.port), String(FLOOD), '50', '/metrics'], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const before = rssMiB(flooded.child.pid);
    let said = '';
    readers.stdout.on('data', (chunk) => { said += chunk; });
    await flooded.until(() => /ready \d+/.test(said), 'the unread pipelines open', 60000, 50);
    await flooded.until(async () => (await evictions(flooded)) >= FLOOD - 1024, 'the flood past max_connections', 20000, 50);
    const answer = await sendEvent(flooded, 'room_started', { room: { name: 'amid-unread-answers', sid: roomSid() } });
    assert.equal(answer.status, 200, answer.text);
    assert.ok(answer.ms < 1000, `answered in ${answer.ms.toFixed(0)} ms amid ${FLOOD} unread pipelines`);
    await flooded.waitForRecorded(standin, 'amid-unread-answers');
    const grown = rssMiB(flooded.child.pid) - before;
    if (!process.env.ASAN_OPTIONS) assert.ok(grown < (1024 * PER_CONNECTION_KIB) / 1024, `RSS grew by ${grown.toFixed(1)} MiB`);
    console.log(`unread pipelines: RSS +${grown.toFixed(1)} MiB for ${FLOOD} connections, webhook in ${answer.ms.toFixed(0)} ms`);
  } finally {
    readers.kill('SIGKILL');
    await flooded.stop();
  }
});
