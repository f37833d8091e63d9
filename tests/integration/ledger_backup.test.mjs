// The ledger outside the service: `auto-recorder ledger backup` makes a consistent copy while the
// service writes (a plain copy of ledger.db misses what is still in the write-ahead log), and
// `report` and `ledger backup` need only the ledger's settings, so a CronJob holds no LiveKit
// secret.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { LiveKitStandIn } from './lib/standin.mjs';
import { startRecorder, runToExit, baseEnv, tempDir } from './lib/recorder.mjs';
import { eventBody, signBody, post } from './lib/webhooks.mjs';

// Each test's own limit, so that a hang names the test (ctest's limit names only the file).
const timeout = 60_000;

let standin;
before(async () => { standin = await new LiveKitStandIn({ requireRooms: true }).start(); });
after(async () => { await standin.stop(); });

const ENV = { RECONCILE_INTERVAL: '0', API_TOKEN: 'backup-test-token' };

// The rooms `report` finds in the ledger at `path`, run with LEDGER_PATH alone.
async function reportedRooms(path) {
  const run = await runToExit({ env: { LEDGER_PATH: path }, cwd: tempDir(), args: ['report', '--since', '1h', '--format', 'json'] });
  assert.equal(run.code, 0, run.output);
  return JSON.parse(run.output).rooms.map((r) => r.name);
}

test('ledger backup copies the ledger while the service runs, and report reads the copy with LEDGER_PATH alone', { timeout }, async () => {
  const cwd = tempDir();
  const recorder = await startRecorder({ env: baseEnv(standin, ENV), cwd });
  const room = standin.addRoom('backed-up');
  try {
    const body = eventBody('room_started', { room: { name: room.name, sid: room.sid } });
    const answer = await post(`${recorder.url}/webhook-receiver`, body, { authorization: await signBody(body, recorder.webhookAuth) });
    assert.equal(answer.status, 200);
    await recorder.waitForLedgerRoom('backed-up');

    // What a file copy gets while the service runs: the room is in the WAL, not yet in the file.
    const copied = join(tempDir(), 'copied.db');
    copyFileSync(join(cwd, 'ledger.db'), copied);
    const plain = await runToExit({ env: { LEDGER_PATH: copied }, cwd: tempDir(), args: ['report', '--since', '1h', '--format', 'json'] });
    assert.ok(plain.code !== 0 || !plain.output.includes('backed-up'), 'a plain copy misses the room (else this test shows nothing)');

    const backup = join(tempDir(), 'backup.db');
    const run = await runToExit({ env: { LEDGER_PATH: join(cwd, 'ledger.db') }, cwd: tempDir(), args: ['ledger', 'backup', backup] });
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /^backed up .*ledger\.db to .*backup\.db \(\d+ bytes\)$/m);
    assert.deepEqual(await reportedRooms(backup), ['backed-up']);

    const again = await runToExit({ env: { LEDGER_PATH: join(cwd, 'ledger.db') }, cwd: tempDir(), args: ['ledger', 'backup', backup] });
    assert.equal(again.code, 1);
    assert.match(again.output, /backup\.db: it exists; name a new file/);
  } finally {
    await recorder.stop();
    standin.removeRoom('backed-up');
  }
});

test('on PostgreSQL, ledger backup names pg_dump and never the password', { timeout }, async () => {
  const password = 'hunter2-backup-secret';
  const run = await runToExit({ env: { LEDGER_POSTGRES_URL: `postgresql://recorder:${password}@127.0.0.1:1/ledger` }, cwd: tempDir(), args: ['ledger', 'backup', join(tempDir(), 'x.dump')] });
  assert.equal(run.code, 1);
  assert.match(run.output, /ledger\.postgres_url \(LEDGER_POSTGRES_URL\) is a PostgreSQL database: back it up with pg_dump/);
  assert.ok(!run.output.includes(password));
});
