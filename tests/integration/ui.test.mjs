// GET /ui in a real headless Chromium (Debian's package): the page a person opens with the API
// token as password lists the day's rooms with their status, start delay, coverage and files.
// The screenshot is kept as a test artifact (UI_ARTIFACT_DIR, else the build's test-artifacts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { EgressStatus, EgressInfo } from '@livekit/protocol';
import { LiveKitStandIn } from './lib/standin.mjs';
import { startRecorder, baseEnv, tempDir } from './lib/recorder.mjs';
import { eventBody, signBody, post } from './lib/webhooks.mjs';
import { until } from './lib/wait.mjs';

// Each test's own limit, so that a hang names the test (ctest's limit names only the file).
const timeout = 60_000;

const run = promisify(execFile);
const ARTIFACTS = process.env.UI_ARTIFACT_DIR ?? new URL('../../build/test-artifacts', import.meta.url).pathname;

let standin;
before(async () => { standin = await new LiveKitStandIn({ requireRooms: true }).start(); });
after(async () => { await standin.stop(); });

async function hook(recorder, body) {
  const answer = await post(`${recorder.url}/webhook-receiver`, body, { authorization: await signBody(body, recorder.webhookAuth) });
  assert.equal(answer.status, 200, answer.text);
}

// Chromium as a person's browser: its own profile, no sandbox when run as root (CI).
async function chromium(...args) {
  const { stdout } = await run('chromium', ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
    `--user-data-dir=${tempDir()}`, '--window-size=1280,720', ...args], { timeout: 60000, maxBuffer: 16 << 20 });
  return stdout;
}

test('/ui shows the rooms of the day in headless Chromium, behind the token', { timeout }, async () => {
  const token = randomBytes(18).toString('base64url');
  const config = 'rules:\n  - match:\n      room: "lobby-*"\n    record: false\n';
  const recorder = await startRecorder({ env: baseEnv(standin, { API_TOKEN: token, RECONCILE_INTERVAL: '0' }), config });
  const names = ['maths-9A', 'refused-2', 'lobby-2'];
  const [maths, refused, lobby] = names.map((name) => standin.addRoom(name));
  try {
    await hook(recorder, eventBody('room_started', { room: { name: maths.name, sid: maths.sid } }));
    await recorder.waitForRecorded(standin, 'maths-9A');
    standin.inject({ method: 'StartRoomCompositeEgress', status: 400, code: 'invalid_argument', msg: 'bucket does not exist' });
    await hook(recorder, eventBody('room_started', { room: { name: refused.name, sid: refused.sid } }));
    await hook(recorder, eventBody('room_started', { room: { name: lobby.name, sid: lobby.sid } }));
    standin.removeRoom('maths-9A');
    const egress = standin.endEgress(standin.startsFor('maths-9A')[0].egressId, EgressStatus.EGRESS_COMPLETE);
    await hook(recorder, eventBody('egress_ended', { egressInfo: new EgressInfo(egress) }));
    await hook(recorder, eventBody('room_finished', { room: { name: maths.name, sid: maths.sid } }));

    // Without the token: 401 asking for Basic, so a browser shows its sign-in prompt.
    const page = `${recorder.url}/ui`;
    const anonymous = await fetch(page);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate'), /^Basic realm="auto-recorder"/);
    const basic = { authorization: `Basic ${Buffer.from(`operator:${token}`).toString('base64')}` };
    await until(async () => {
      const html = await (await fetch(page, { headers: basic })).text();
      return names.every((name) => html.includes(name)) && html.includes('data-status="recorded"');
    }, 'the three rooms on the page', 10000, 50);
    assert.equal((await fetch(`${page}?status=done`, { headers: basic })).status, 400);

    // The browser: the token as the password in the URL, as a person's saved sign-in would send it.
    const signedIn = `http://operator:${token}@127.0.0.1:${recorder.port}/ui`;
    const dom = await chromium('--dump-dom', signedIn);
    const row = (room) => dom.match(new RegExp(`<tr id="${room.sid}" data-status="([a-z]+)">([\\s\\S]*?)</tr>`));
    assert.equal(row(maths)?.[1], 'recorded', dom);
    assert.equal(row(refused)?.[1], 'unrecorded');
    assert.equal(row(lobby)?.[1], 'skipped');
    assert.match(row(maths)[2], /<td class="delay">\d+\.\ds<\/td>/);
    assert.match(row(maths)[2], new RegExp(`<a href="${egress.fileResults[0].location}">`));
    assert.match(row(maths)[2], /<div class="bar"[^>]*><span class="done" data-egress="EG_\w+" style="left:[\d.]+%;width:[\d.]+%"/);
    assert.match(row(refused)[2], /invalid_argument: bucket does not exist/);
    assert.match(dom, /class="status unrecorded" data-count="1">unrecorded<b>1<\/b>/);
    assert.match(dom, /class="all current" data-count="3">/);
    const filtered = await chromium('--dump-dom', `${signedIn}?status=unrecorded`);
    assert.ok(filtered.includes(`<tr id="${refused.sid}"`) && !filtered.includes(`<tr id="${maths.sid}"`), filtered);

    mkdirSync(ARTIFACTS, { recursive: true });
    const screenshot = join(ARTIFACTS, 'ui.png');
    await chromium(`--screenshot=${screenshot}`, signedIn);
    const png = readFileSync(screenshot);
    assert.ok(png.subarray(1, 4).toString() === 'PNG' && png.length > 10000, `a screenshot at ${screenshot}`);
    console.log(`screenshot: ${screenshot}`);
  } finally {
    standin.faults.length = 0;
    await recorder.stop();
    for (const name of names) standin.removeRoom(name);
  }
});

// Issue 24: more sessions in the day than the page shows. 1 500 rooms, the oldest 500 refused by
// egress (unrecorded), the newest 1 000 recording: the counts are the whole day's, the filter
// finds the older rooms, and the API lists them.
test('/ui counts the whole day past the 1000 rows it shows, and filters by status in the query', { timeout: 120_000 }, async () => {
  const token = randomBytes(18).toString('base64url');
  const recorder = await startRecorder({ env: baseEnv(standin, { API_TOKEN: token, RECONCILE_INTERVAL: '0' }) });
  const day = Math.floor(Date.now() / 1000);
  const names = [];
  // Started 20 hours ago (the refused ones) and 10 hours ago, a second apart.
  const open = async (i, ago) => {
    const room = standin.addRoom(`day-${i}`);
    names.push(room.name);
    await hook(recorder, eventBody('room_started', { room: { name: room.name, sid: room.sid, creationTime: BigInt(day - ago + i) } }));
  };
  const starts = () => standin.calls.filter((c) => c.method === 'StartRoomCompositeEgress').length;
  const before = starts();
  try {
    standin.inject({ method: 'StartRoomCompositeEgress', times: 500, status: 400, code: 'invalid_argument', msg: 'bucket does not exist' });
    for (let i = 0; i < 500; i++) await open(i, 20 * 3600);
    await recorder.until(() => starts() - before >= 500, 'the 500 refused starts', 30000, 20);
    for (let i = 500; i < 1500; i++) await open(i, 10 * 3600);
    const bearer = { authorization: `Bearer ${token}` };
    const count = (html, status) => html.match(new RegExp(`class="status ${status}[^"]*" data-count="(\\d+)"`))?.[1];
    let html;
    await recorder.until(async () => {
      html = await (await fetch(`${recorder.url}/ui`, { headers: bearer })).text();
      return /class="all current" data-count="1500"/.test(html) && count(html, 'recording') === '1000';
    }, 'the 1500 rooms in the ledger', 30000, 100);
    assert.equal(count(html, 'unrecorded'), '500');
    assert.equal(html.match(/<tr id=/g).length, 1000);
    assert.match(html, /Only the newest 1000 sessions are shown/);
    const unrecorded = await (await fetch(`${recorder.url}/ui?status=unrecorded`, { headers: bearer })).text();
    assert.equal(unrecorded.match(/<tr id="RM_\w+" data-status="unrecorded">/g)?.length, 500);
    assert.equal(count(unrecorded, 'unrecorded'), '500');
    const listed = await fetch(`${recorder.url}/v1/rooms?status=unrecorded&limit=1000`, { headers: bearer });
    assert.equal(listed.status, 200, await listed.clone().text());
    const { rooms, next_page_token: next } = await listed.json();
    assert.equal(rooms.length, 500);
    assert.equal(next, '');
    assert.ok(rooms.every((r) => r.status === 'unrecorded' && r.start_error.includes('bucket does not exist')));
  } finally {
    standin.faults.length = 0;
    await recorder.stop();
    for (const name of names) standin.removeRoom(name);
  }
});
