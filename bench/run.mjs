// `make bench`: this service and a Node receiver on LiveKit's official SDK, measured side by side
// in one run on this machine, plus a do-nothing nginx as the ceiling of what any receiver can
// reach here. Prints a table and writes it into docs/performance.md, what it measured into
// docs/bench.json and the README's figures (bench/figures.mjs). Never part of `make test`.
//
//   AUTO_RECORDER_BIN  the binary to measure (make bench: the Release build the tests ran)
//   BENCH_SECONDS      length of each wrk run (default 10)
//   BENCH_ONLY=burst   only this service's burst, logged and not written (for tuning)
//   BENCH_ONLY=load    only wrk against this service and nginx, logged and not written
//   BENCH_ONLY=scale   only the 30 000-room reconcile, logged and not written
//   BENCH_ONLY=ledger  only the burst with the ledger off, on SQLite and on PostgreSQL, logged
//   BENCH_ONLY=report  only `report` on a generated ledger of a million sessions, logged
//   BENCH_ONLY=prune   only retention on that ledger, logged
//   BENCH_ONLY=api     only the ledger's API on that ledger (filters, clients at once, webhooks
//                      during the slowest read, large metadata), logged
//   BENCH_ONLY=callgrind  only the instruction count; keeps the callgrind files for
//                      callgrind_annotate and prints where they are
//   BENCH_ONLY=participants  only the 50-participant room, logged
//   BENCH_ONLY=notify  only the burst, closed, with notifications to one endpoint and without
//                      (medians of 7 rounds), logged
//   SERVER_THREADS     passed to this service (tuning only: the table is for the defaults)
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, statSync, existsSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import http from 'node:http';
import net from 'node:net';
import { EgressInfo, ParticipantInfo, TrackInfo, TrackType } from '@livekit/protocol';
import { eventBody, signBody } from '../tests/integration/lib/webhooks.mjs';
import { write as writeFigures, JSON_PATH as FIGURES_JSON } from './figures.mjs';
import { ledgerApiBench, metadataMemoryBench } from './ledger_api.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = process.env.AUTO_RECORDER_BIN ?? join(ROOT, 'build/auto-recorder');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const BURST_ROOMS = 2000;
const BURST_CONCURRENCY = 64;
const START_DELAY_MS = 50;
const dir = mkdtempSync(join(tmpdir(), 'auto-recorder-bench-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (text) => console.error(`• ${text}`);

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// A child process, resolved once its output matches `ready`.
async function launch(command, args, { env = {}, ready, timeoutMs = 60000 } = {}) {
  const child = spawn(command, args, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = { child, output: '', startedAt: performance.now() };
  const collect = (chunk) => { proc.output += chunk; };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  proc.exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + timeoutMs;
  while (!ready.test(proc.output)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${command} did not get ready:\n${proc.output}`);
    await sleep(2);
  }
  proc.readyMs = performance.now() - proc.startedAt;
  proc.stop = async (signal = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return proc.exit;
  };
  return proc;
}

function memoryKb(pid, field) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(new RegExp(`^${field}:\\s+(\\d+)`, 'm'))[1]);
}

// Resident memory of a process and its children (nginx: master and workers).
function rssKb(pid, field = 'VmRSS') {
  let total = memoryKb(pid, field);
  const children = existsSync(`/proc/${pid}/task/${pid}/children`) ? readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim() : '';
  for (const child of children.split(/\s+/).filter(Boolean)) total += rssKb(Number(child), field);
  return total;
}

// CPU time (user, kernel) in µs of a process and its children, from /proc (clock ticks of 10 ms).
function cpuUs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  let user = Number(fields[11]) * 10000;
  let kernel = Number(fields[12]) * 10000;
  const children = existsSync(`/proc/${pid}/task/${pid}/children`) ? readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim() : '';
  for (const child of children.split(/\s+/).filter(Boolean)) {
    const c = cpuUs(Number(child));
    user += c.user;
    kernel += c.kernel;
  }
  return { user, kernel };
}

// ---- the targets ------------------------------------------------------------------------------

async function startStandIn() {
  const proc = await launch('node', [join(ROOT, 'bench/standin-server.mjs')], { ready: /"control"/ });
  return { proc, ...JSON.parse(proc.output.trim().split('\n')[0]) };
}

async function control(standin, path) {
  return (await fetch(`${standin.control}${path}`, { method: path.startsWith('/counts') ? 'GET' : 'POST' })).json();
}

// `ledger`: the ledger's settings (default: on, a SQLite file in a fresh directory).
function recorderTarget(standin, { name = 'auto-recorder', ledger, env = {} } = {}) {
  return {
    name,
    async start() {
      const port = await freePort();
      const proc = await launch(BIN, [], {
        ready: /auto-recorder ready/,
        env: {
          PORT: String(port), LIVEKIT_HOST: standin.url, LIVEKIT_API_KEY: standin.apiKey, LIVEKIT_API_SECRET: standin.apiSecret, S3_BUCKET: 'bench',
          ...(process.env.SERVER_THREADS ? { SERVER_THREADS: process.env.SERVER_THREADS } : {}),
          ...(ledger ?? { LEDGER_PATH: join(mkdtempSync(join(dir, 'ledger-')), 'ledger.db') }),
          ...env,
        },
      });
      return { proc, pid: proc.child.pid, url: `http://127.0.0.1:${port}/webhook-receiver` };
    },
  };
}

function nodeTarget(standin) {
  return {
    name: 'node peer',
    async start() {
      const port = await freePort();
      const proc = await launch('node', [join(ROOT, 'bench/peers/node/receiver.mjs')], {
        ready: /node peer ready/,
        env: { PORT: String(port), LIVEKIT_HOST: standin.url, LIVEKIT_API_KEY: standin.apiKey, LIVEKIT_API_SECRET: standin.apiSecret, S3_BUCKET: 'bench' },
      });
      return { proc, pid: proc.child.pid, url: `http://127.0.0.1:${port}/webhook-receiver` };
    },
  };
}

function nginxTarget() {
  return {
    name: 'nginx (do nothing)',
    async start() {
      const port = await freePort();
      const conf = join(dir, 'nginx.conf');
      writeFileSync(conf, `daemon off; worker_processes auto; pid ${dir}/nginx.pid; error_log stderr warn;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir};
  uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server { listen 127.0.0.1:${port}; location / { return 200 "ok\\n"; } } }
`);
      const proc = spawn('nginx', ['-c', conf], { stdio: 'ignore' });
      const exit = new Promise((resolve) => proc.on('exit', resolve));
      for (let i = 0; i < 500; i += 1) {
        const up = await new Promise((resolve) => { const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); }); s.on('error', () => resolve(false)); });
        if (up) break;
        await sleep(10);
      }
      return { proc: { stop: async () => { proc.kill('SIGQUIT'); await exit; } }, pid: proc.pid, url: `http://127.0.0.1:${port}/webhook-receiver` };
    },
  };
}

// ---- measurements -----------------------------------------------------------------------------

function parseWrk(text) {
  const rate = Number(text.match(/Requests\/sec:\s+([\d.]+)/)[1]);
  const toMs = (value, unit) => Number(value) * { us: 0.001, ms: 1, s: 1000 }[unit];
  const pct = (p) => { const m = text.match(new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`)); return toMs(m[1], m[2]); };
  const errors = Number(text.match(/Non-2xx or 3xx responses:\s+(\d+)/)?.[1] ?? 0);
  return { rate, p50: pct(50), p99: pct(99), errors };
}

// wrk runs under bash so that `times` reports the CPU it used (user and kernel seconds).
async function wrkRun(url, seconds) {
  const env = { ...process.env, BENCH_BODY: join(dir, 'body.json'), BENCH_AUTH: join(dir, 'auth.txt') };
  const script = join(ROOT, 'bench/wrk/post.lua');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `wrk -t2 -c32 -d${seconds}s --latency -s '${script}' '${url}' && times`], { env });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { out += c; });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(out));
      const seconds = (m, s) => (Number(m) * 60 + Number(s)) * 1e6;
      const t = out.trim().split('\n').at(-1).match(/(\d+)m([\d.]+)s (\d+)m([\d.]+)s/);
      return resolve({ ...parseWrk(out), wrkCpuUs: seconds(t[1], t[2]) + seconds(t[3], t[4]) });
    });
  });
}

async function throughput(target) {
  const running = await target.start();
  await sleep(1000);
  const idle = rssKb(running.pid);
  await wrkRun(running.url, 2); // warm-up
  const before = cpuUs(running.pid);
  const result = await wrkRun(running.url, SECONDS);
  const after = cpuUs(running.pid);
  const peak = rssKb(running.pid, 'VmHWM');
  await running.proc.stop();
  const requests = result.rate * SECONDS;
  const cpu = { user: (after.user - before.user) / requests, kernel: (after.kernel - before.kernel) / requests, wrk: result.wrkCpuUs / requests };
  log(`${target.name}: ${Math.round(result.rate)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, idle ${idle} kB, peak ${peak} kB, non-2xx ${result.errors}, CPU per request: user ${cpu.user.toFixed(2)} µs, kernel ${cpu.kernel.toFixed(2)} µs, wrk ${cpu.wrk.toFixed(2)} µs`);
  return { ...result, idle, peak, cpu, readyMs: running.proc.readyMs };
}

// 2000 distinct room_started webhooks, signed before the clock starts, posted 64 at a time.
// The burst with the ledger off, on SQLite, and on a real PostgreSQL (tests/postgres.sh): the
// ledger writes on its own thread, so the webhooks' answers and the starts should not notice.
async function ledgerBursts(standin) {
  // Not inside `dir` (mode 0700): the server runs as nobody when this runs as root.
  const pgDir = join(tmpdir(), `auto-recorder-bench-postgres-${process.pid}`);
  const url = execFileSync('bash', [join(ROOT, 'tests/postgres.sh'), 'start', pgDir], { encoding: 'utf8' }).trim();
  try {
    // Three rounds in turn, the best time of each kept (rooms missed or doubled in any round
    // count): the first burst of a run also warms the
    // stand-in and the machine up, which would count against whichever went first, and single
    // bursts on this shared machine vary by a quarter.
    const result = {};
    for (const round of [1, 2, 3]) {
      for (const [key, ledger] of [['off', { LEDGER: 'off' }], ['sqlite', undefined], ['postgres', { LEDGER_POSTGRES_URL: url }]]) {
        const prefix = `burst-ledger-${key}-${round}-`;
        const run = await burst(recorderTarget(standin, { name: `auto-recorder (ledger ${key})`, ledger }), standin, prefix);
        await control(standin, `/forget?prefix=${prefix}`); // each burst meets the same stand-in
        const best = result[key];
        result[key] = !best ? run : {
          acknowledgedMs: Math.min(best.acknowledgedMs, run.acknowledgedMs), recordedMs: Math.min(best.recordedMs, run.recordedMs),
          missed: best.missed + run.missed, doubled: best.doubled + run.doubled, peak: Math.max(best.peak, run.peak),
        };
      }
    }
    return result;
  } finally {
    execFileSync('bash', [join(ROOT, 'tests/postgres.sh'), 'stop', pgDir]);
  }
}

// The bodies signed as LiveKit signs them, before any clock starts.
async function signAll(bodies, standin) {
  const auth = { apiKey: standin.apiKey, apiSecret: standin.apiSecret, ttlSeconds: 600 };
  return Promise.all(bodies.map(async (body) => ({ body, token: await signBody(body, auth) })));
}

// Posts them BURST_CONCURRENCY at a time over kept-alive connections; how many were not
// answered 200.
async function postAll(url, requests) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: BURST_CONCURRENCY });
  const post = ({ body, token }) => new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'Content-Type': 'application/webhook+json', Authorization: token, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
  const queue = [...requests];
  let failed = 0;
  await Promise.all(Array.from({ length: BURST_CONCURRENCY }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) if ((await post(next)) !== 200) failed += 1;
  }));
  agent.destroy();
  return failed;
}

// The burst's rooms close: each recording's egress_ended and each room's room_finished, posted
// as the burst was. Returns when all are answered (closedMs), and, with notifications on, when
// the recorder has delivered all 2 * BURST_ROOMS of them (notifiedMs, from its /metrics).
async function closeAll(running, standin, prefix, notified) {
  const { rooms, egresses } = await control(standin, `/close?prefix=${prefix}`);
  const bodies = [...egresses.map((e) => eventBody('egress_ended', { egressInfo: EgressInfo.fromJson(e) })),
    ...rooms.map(({ name, sid }) => eventBody('room_finished', { room: { name, sid } }))];
  const requests = await signAll(bodies, standin);
  const t0 = performance.now();
  const failed = await postAll(running.url, requests);
  const closedMs = performance.now() - t0;
  let notifiedMs = 0;
  if (notified) {
    const metrics = running.url.replace('/webhook-receiver', '/metrics');
    const delivered = async () => {
      const text = await (await fetch(metrics)).text();
      return [...text.matchAll(/^auto_recorder_notifications_total\{[^}]*outcome="delivered"[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    };
    while ((await delivered()) < 2 * rooms.length && performance.now() - t0 < 120000) await sleep(20);
    notifiedMs = performance.now() - t0;
  }
  return { closedMs, notifiedMs, closeFailed: failed };
}

// The burst with notifications to one endpoint (an nginx that answers 200) and without, on
// SQLite, its rooms then closed: seven rounds in turn, the median of each time kept (single
// rounds on this shared machine vary by half and more, off against off; rooms missed, doubled
// or refused in any round count).
const NOTIFY_ROUNDS = 7;
async function notifyBursts(standin) {
  const receiver = await nginxTarget().start();
  const secret = `whsec_${Buffer.from('bench-secret-of-32-bytes-exactly!').toString('base64')}`;
  try {
    const runs = { off: [], on: [] };
    for (let round = 1; round <= NOTIFY_ROUNDS; round += 1) {
      for (const key of ['off', 'on']) {
        const prefix = `burst-notify-${key}-${round}-`;
        const env = key === 'on' ? { NOTIFY_URL: receiver.url, NOTIFY_SECRET: secret } : {};
        runs[key].push(await burst(recorderTarget(standin, { name: `auto-recorder (notifications ${key})`, env }), standin, prefix, { close: true, notified: key === 'on' }));
        await control(standin, `/forget?prefix=${prefix}`);
      }
    }
    const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const summary = (all) => Object.fromEntries(Object.keys(all[0]).map((k) => [k,
      ['missed', 'doubled', 'failed', 'closeFailed'].includes(k) ? all.reduce((sum, r) => sum + r[k], 0)
        : k === 'peak' ? Math.max(...all.map((r) => r[k])) : median(all.map((r) => r[k]))]));
    const result = { off: summary(runs.off), on: summary(runs.on) };
    log(`notifications burst, medians of ${NOTIFY_ROUNDS} rounds: off ${JSON.stringify(result.off)}; on ${JSON.stringify(result.on)}`);
    return result;
  } finally {
    await receiver.proc.stop();
  }
}

async function burst(target, standin, prefix, { close = false, notified = false } = {}) {
  // Started before the rooms exist, so that its reconciler's first pass finds none of them.
  const running = await target.start();
  const { names, sids } = await control(standin, `/rooms?prefix=${prefix}&count=${BURST_ROOMS}`);
  const requests = await signAll(names.map((name, i) => eventBody('room_started', { room: { name, sid: sids[i] } })), standin);
  await sleep(500);
  const t0 = performance.now();
  const failed = await postAll(running.url, requests);
  const acknowledgedMs = performance.now() - t0;
  let counts;
  for (;;) {
    counts = await control(standin, `/counts?prefix=${prefix}`);
    if (counts.recorded === BURST_ROOMS || performance.now() - t0 > 60000) break;
    await sleep(5);
  }
  const recordedMs = performance.now() - t0;
  await sleep(1000); // anything doubled shows up by now
  counts = await control(standin, `/counts?prefix=${prefix}`);
  const closed = close ? await closeAll(running, standin, prefix, notified) : {};
  const peak = rssKb(running.pid, 'VmHWM');
  await running.proc.stop();
  const result = { acknowledgedMs, recordedMs, missed: BURST_ROOMS - counts.recorded, doubled: counts.doubled, failed, peak, ...closed };
  log(`${target.name} burst: acknowledged in ${acknowledgedMs.toFixed(0)} ms, recorded in ${recordedMs.toFixed(0)} ms, missed ${result.missed}, doubled ${result.doubled}, non-200 ${failed}, peak ${peak} kB` +
    (close ? `; closed in ${closed.closedMs.toFixed(0)} ms (non-200 ${closed.closeFailed})` + (notified ? `, ${2 * BURST_ROOMS} notifications delivered in ${closed.notifiedMs.toFixed(0)} ms` : '') : ''));
  return result;
}

// 30 000 rooms already in LiveKit and no webhook for any of them (the recorder was down, or
// LiveKit's webhooks went elsewhere): the reconciler records them all. Measured: the time until
// every room has a recording, rooms missed or doubled, the peak resident memory, the memory 10 s
// after the last start, and the log lines written.
const SCALE_ROOMS = 30000;
async function scale(standin) {
  await control(standin, `/rooms?prefix=scale-&count=${SCALE_ROOMS}&length=60`);
  const port = await freePort();
  const t0 = performance.now();
  const proc = await launch(BIN, [], {
    ready: /auto-recorder ready/,
    env: { PORT: String(port), LIVEKIT_HOST: standin.url, LIVEKIT_API_KEY: standin.apiKey, LIVEKIT_API_SECRET: standin.apiSecret,
      S3_BUCKET: 'bench', RECONCILE_INTERVAL: '2s', LEDGER_PATH: join(mkdtempSync(join(dir, 'ledger-')), 'ledger.db') },
  });
  let counts;
  for (;;) {
    counts = await control(standin, '/counts?prefix=scale-');
    if (counts.recorded === SCALE_ROOMS || performance.now() - t0 > 300000) break;
    await sleep(100);
  }
  const recordedMs = performance.now() - t0;
  const peak = rssKb(proc.child.pid, 'VmHWM');
  await sleep(10000);
  // Over one reconcile interval from then: what the process keeps between passes (the lowest)
  // and what a pass over 30 000 rooms and their ledger sessions holds for a moment (the highest).
  const samples = [];
  for (const until = performance.now() + 2000; performance.now() < until;) {
    samples.push(rssKb(proc.child.pid));
    await sleep(50);
  }
  const after = Math.min(...samples);
  const inPass = Math.max(...samples);
  counts = await control(standin, '/counts?prefix=scale-');
  const cpu = cpuUs(proc.child.pid);
  await proc.stop();
  const lines = proc.output.trim().split('\n').length;
  const result = { recordedMs, missed: SCALE_ROOMS - counts.recorded, doubled: counts.doubled, peak, after, inPass, lines,
    cpuPerRoomUs: (cpu.user + cpu.kernel) / SCALE_ROOMS };
  log(`scale: ${SCALE_ROOMS} rooms recorded in ${(recordedMs / 1000).toFixed(1)} s, missed ${result.missed}, doubled ${result.doubled}, peak ${peak} kB, 10 s later ${after} kB between passes and ${inPass} kB during one, ${lines} log lines, CPU ${result.cpuPerRoomUs.toFixed(0)} µs per room`);
  return result;
}

// A room of 50 participants joining at once, with record: participants (each publishing a
// microphone, each participant_joined posted at the same moment): the time until every one has
// its recording, starts made (50, none doubled), and the recorder's peak resident memory.
const ROOM_PARTICIPANTS = 50;
async function participantsRoom(standin) {
  const port = await freePort();
  const proc = await launch(BIN, [], {
    ready: /auto-recorder ready/,
    env: { PORT: String(port), LIVEKIT_HOST: standin.url, LIVEKIT_API_KEY: standin.apiKey, LIVEKIT_API_SECRET: standin.apiSecret,
      S3_BUCKET: 'bench', RECORD: 'participants', LEDGER_PATH: join(mkdtempSync(join(dir, 'ledger-')), 'ledger.db') },
  });
  const { sids: [sid] } = await control(standin, '/rooms?prefix=panel-&count=1');
  const room = { name: 'panel-00000', sid };
  const { participants } = await control(standin, `/participants?room=${room.name}&count=${ROOM_PARTICIPANTS}`);
  const auth = { apiKey: standin.apiKey, apiSecret: standin.apiSecret, ttlSeconds: 600 };
  const hooks = await Promise.all(participants.map(async (json) => {
    const body = eventBody('participant_joined', { room, participant: ParticipantInfo.fromJson(json) });
    return { body, token: await signBody(body, auth) };
  }));
  const url = `http://127.0.0.1:${port}/webhook-receiver`;
  const t0 = performance.now();
  const statuses = await Promise.all(hooks.map(({ body, token }) => fetch(url, {
    method: 'POST', headers: { 'Content-Type': 'application/webhook+json', Authorization: token }, body,
  }).then((res) => res.status)));
  let counts;
  for (;;) {
    counts = await control(standin, `/subjects?room=${room.name}`);
    if (counts.distinct === ROOM_PARTICIPANTS || performance.now() - t0 > 60000) break;
    await sleep(2);
  }
  const recordedMs = performance.now() - t0;
  await sleep(1000); // anything doubled shows up by now
  counts = await control(standin, `/subjects?room=${room.name}`);
  const peak = rssKb(proc.child.pid, 'VmHWM');
  await proc.stop();
  await control(standin, '/forget?prefix=panel-');
  const result = { recordedMs, starts: counts.starts, distinct: counts.distinct, refused: statuses.filter((s) => s !== 200).length, peak };
  log(`${ROOM_PARTICIPANTS} participants: all recording in ${recordedMs.toFixed(0)} ms, ${result.starts} starts for ${result.distinct} participants, non-200 ${result.refused}, peak ${peak} kB`);
  return result;
}

// Instructions per verified webhook: two callgrind runs that differ only in how many webhooks they
// verify; the difference divided by the count leaves start-up and shutdown out. `kind`: which
// signed webhook (body.json, track.json) is sent, under the default record: room.
async function instructionsPerWebhook(standin, kind = 'body') {
  const body = readFileSync(join(dir, `${kind}.json`), 'utf8');
  const token = readFileSync(join(dir, `${kind}.auth`), 'utf8');
  const run = async (count) => {
    const port = await freePort();
    const out = join(dir, `callgrind.${kind}.${count}`);
    const proc = await launch('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, BIN], {
      ready: /auto-recorder ready/,
      timeoutMs: 120000,
      env: { PORT: String(port), LIVEKIT_HOST: standin.url, LIVEKIT_API_KEY: standin.apiKey, LIVEKIT_API_SECRET: standin.apiSecret, S3_BUCKET: 'bench', RECONCILE_INTERVAL: '0' },
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < count; i += 1) {
      await new Promise((resolve, reject) => {
        const req = http.request(`http://127.0.0.1:${port}/webhook-receiver`, { method: 'POST', agent, headers: { 'Content-Type': 'application/webhook+json', Authorization: token } }, (res) => { res.resume(); res.on('end', resolve); });
        req.on('error', reject);
        req.end(body);
      });
    }
    agent.destroy();
    await proc.stop();
    const text = readFileSync(out, 'utf8');
    return Number(text.match(/^(?:summary|totals): (\d+)/m)[1]);
  };
  const few = await run(200);
  const many = await run(1200);
  return (many - few) / 1000;
}

// `report` on a ledger of a million sessions over 400 days, written by the ledger's own code
// (bench/ledger_gen.cpp, kept in build/bench/ and written again when the generator changes): the
// whole ledger in each format, and a daily audit. Peak resident memory and time from GNU time.
const LEDGER_SESSIONS = 1000000;
function generatedLedger() {
  const generator = join(dirname(BIN), 'bench/ledger-gen');
  const file = join(dirname(BIN), 'bench/ledger-1m.db');
  if (!existsSync(file) || statSync(file).mtimeMs < statSync(generator).mtimeMs) {
    log(`writing a ledger of ${LEDGER_SESSIONS} sessions (about a minute)`);
    for (const suffix of ['', '-wal', '-shm']) spawnSync('rm', ['-f', file + suffix]);
    execFileSync(generator, [file, String(LEDGER_SESSIONS)], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return file;
}

function reportBench() {
  const file = generatedLedger();
  const env = { PATH: process.env.PATH, LEDGER_PATH: file, LIVEKIT_API_KEY: 'bench', LIVEKIT_API_SECRET: 'bench', S3_BUCKET: 'bench' };
  const run = (args) => {
    const timed = spawnSync('/usr/bin/time', ['-f', '%M %e', BIN, 'report', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 20 });
    const [kb, seconds] = timed.stderr.trim().split('\n').pop().split(' ').map(Number);
    return { peak: kb, ms: seconds * 1000, code: timed.status };
  };
  const result = { bytesPerSession: statSync(file).size / LEDGER_SESSIONS };
  for (const format of ['json', 'csv', 'table']) result[format] = run(['--since', '400d', '--format', format]);
  result.day = run(['--since', '24h']);
  log(`report of ${LEDGER_SESSIONS} sessions: ${['json', 'csv', 'table'].map((f) => `${f} ${result[f].peak} kB ${result[f].ms.toFixed(0)} ms`).join(', ')}; 24 h ${result.day.peak} kB ${result.day.ms.toFixed(0)} ms; ${result.bytesPerSession.toFixed(0)} bytes per session`);
  return result;
}

// Retention on a copy of that ledger: the service started with LEDGER_RETENTION=4800h (200 days) deletes the
// older half at startup, in steps, and says so in one line (its sessions, steps, time and longest
// step: how long a write waited for it at most); the file's size before, and after the stop.
async function pruneBench(standin) {
  const copyDir = mkdtempSync(join(dir, 'prune-'));
  const file = join(copyDir, 'ledger.db');
  execFileSync('cp', [generatedLedger(), file]);
  // On disk before the service opens it: else its first checkpoint's fsync writes the whole copy
  // (a 0.4 s step that no ledger the service wrote itself would see).
  execFileSync('sync', [file]);
  const before = statSync(file).size;
  const line = /ledger retention: deleted .*? sessions=(\d+) steps=(\d+) ms=(\d+) longest_step_ms=(\d+)/;
  const proc = await apiRecorder(standin, { LEDGER_PATH: file, LEDGER_RETENTION: '4800h' })({});
  const deadline = Date.now() + 900000;
  while (!line.test(proc.proc.output)) {
    if (proc.proc.child.exitCode !== null || Date.now() > deadline) throw new Error(`no retention line:\n${proc.proc.output}`);
    await sleep(100);
  }
  await proc.stop();
  const [, sessions, steps, ms, longest] = proc.proc.output.match(line).map(Number);
  const result = { sessions, steps, ms, longestMs: longest, beforeMb: before / 1e6, afterMb: statSync(file).size / 1e6 };
  spawnSync('rm', ['-rf', copyDir]);
  log(`retention: ${sessions} sessions in ${steps} steps, ${ms} ms, longest step ${longest} ms; file ${result.beforeMb.toFixed(0)} → ${result.afterMb.toFixed(0)} MB`);
  return result;
}

// The same million sessions on PostgreSQL (tests/postgres.sh), its data kept in /var/tmp between
// runs (started again there) and written again when the generator changes.
function generatedPostgres() {
  const generator = join(dirname(BIN), 'bench/ledger-gen');
  const script = join(ROOT, 'tests/postgres.sh');
  const pgDir = '/var/tmp/auto-recorder-bench-postgres';
  const marker = join(pgDir, 'generated');
  const stop = () => execFileSync('bash', [script, 'kill', pgDir]);
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(generator).mtimeMs) {
    execFileSync('bash', [script, 'restart', pgDir]);
    return { url: readFileSync(marker, 'utf8').trim(), stop };
  }
  spawnSync('bash', [script, 'stop', pgDir]);
  const url = execFileSync('bash', [script, 'start', pgDir], { encoding: 'utf8' }).trim();
  log(`writing ${LEDGER_SESSIONS} sessions to PostgreSQL (several minutes)`);
  execFileSync(generator, ['--postgres', url, String(LEDGER_SESSIONS)], { stdio: ['ignore', 'ignore', 'inherit'] });
  writeFileSync(marker, url);
  return { url, stop };
}

// The recorder with the ledger `ledgerEnv` names (a fresh SQLite file when none) and `env`, for
// the API's bench.
function apiRecorder(standin, ledgerEnv) {
  return async (env) => {
    const port = await freePort();
    const proc = await launch(BIN, [], {
      ready: /auto-recorder ready/,
      timeoutMs: 600000, // the first start on the generated ledger migrates it
      env: {
        PORT: String(port), LIVEKIT_HOST: standin.url, LIVEKIT_API_KEY: standin.apiKey, LIVEKIT_API_SECRET: standin.apiSecret,
        S3_BUCKET: 'bench', RECONCILE_INTERVAL: '0',
        ...(ledgerEnv ?? { LEDGER_PATH: join(mkdtempSync(join(dir, 'ledger-')), 'ledger.db') }), ...env,
      },
    });
    return { proc, pid: proc.child.pid, base: `http://127.0.0.1:${port}`, webhookUrl: `http://127.0.0.1:${port}/webhook-receiver`, stop: () => proc.stop() };
  };
}

async function ledgerApi(standin) {
  const webhook = { body: readFileSync(join(dir, 'body.json'), 'utf8'), authorization: readFileSync(join(dir, 'auth.txt'), 'utf8') };
  const sqlite = await ledgerApiBench({ start: apiRecorder(standin, { LEDGER_PATH: generatedLedger() }), webhook, log });
  const pg = generatedPostgres();
  let postgres;
  try {
    log('the same on PostgreSQL');
    postgres = await ledgerApiBench({ start: apiRecorder(standin, { LEDGER_POSTGRES_URL: pg.url }), webhook, log });
  } finally {
    pg.stop();
  }
  const signRoomStarted = async (name, metadata) => {
    const body = eventBody('room_started', { room: { name, sid: `RM_${name}`, metadata } });
    return { body, authorization: await signBody(body, auth) };
  };
  const memory = await metadataMemoryBench({ start: apiRecorder(standin), signRoomStarted, rssKb, log });
  const prune = await pruneBench(standin);
  return { sqlite, postgres, memory, prune };
}

function strippedSize(binary) {
  const copy = join(dir, 'stripped');
  execFileSync('strip', ['-o', copy, binary]);
  return statSync(copy).size;
}

// ---- the run ----------------------------------------------------------------------------------

const machine = `${cpus().length} × ${cpus()[0].model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
  `${execFileSync('uname', ['-sr'], { encoding: 'utf8' }).trim()}; node ${process.version}; ` +
  `${spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0].replace(/ \[.*/, '').replace(/ Copyright.*/, '').trim()}`;
log(machine);

const standin = await startStandIn();
const auth = { apiKey: standin.apiKey, apiSecret: standin.apiSecret, ttlSeconds: 3600 };
const joined = eventBody('participant_joined', { room: { name: 'bench-room', sid: 'RM_bench' } });
writeFileSync(join(dir, 'body.json'), joined);
writeFileSync(join(dir, 'auth.txt'), await signBody(joined, auth));
writeFileSync(join(dir, 'body.auth'), await signBody(joined, auth));
// A track_published of a participant with its track: what record: room ignores, as cheaply.
const benchParticipant = new ParticipantInfo({ sid: 'PA_bench', identity: 'speaker', joinedAtMs: BigInt(Date.now()) });
const published = eventBody('track_published', { room: { name: 'bench-room', sid: 'RM_bench' }, participant: benchParticipant,
  track: new TrackInfo({ sid: 'TR_bench', type: TrackType.AUDIO }) });
writeFileSync(join(dir, 'track.json'), published);
writeFileSync(join(dir, 'track.auth'), await signBody(published, auth));

const ours = recorderTarget(standin);
const peer = nodeTarget(standin);
// BENCH_ONLY=burst: only our side of the burst, for a quick look while tuning (no table written).
if (process.env.BENCH_ONLY === 'burst') {
  await control(standin, `/delay?ms=${START_DELAY_MS}`);
  await burst(ours, standin, 'burst-ours-');
  await standin.proc.stop();
  process.exit(0);
}
if (process.env.BENCH_ONLY === 'callgrind') {
  log(`${Math.round(await instructionsPerWebhook(standin))} instructions per verified participant_joined; ` +
    `${Math.round(await instructionsPerWebhook(standin, 'track'))} per track_published; profiles in ${dir}/callgrind.*`);
  await standin.proc.stop();
  process.exit(0);
}
if (process.env.BENCH_ONLY === 'participants') {
  await participantsRoom(standin);
  await standin.proc.stop();
  process.exit(0);
}
if (process.env.BENCH_ONLY === 'notify') {
  await control(standin, `/delay?ms=${START_DELAY_MS}`);
  await notifyBursts(standin);
  await standin.proc.stop();
  process.exit(0);
}
if (process.env.BENCH_ONLY === 'scale') {
  await scale(standin);
  await standin.proc.stop();
  process.exit(0);
}
if (process.env.BENCH_ONLY === 'ledger') {
  await control(standin, `/delay?ms=${START_DELAY_MS}`);
  await ledgerBursts(standin);
  await standin.proc.stop();
  process.exit(0);
}
if (process.env.BENCH_ONLY === 'prune') {
  await pruneBench(standin);
  await standin.proc.stop();
  process.exit(0);
}
if (process.env.BENCH_ONLY === 'api') {
  await ledgerApi(standin);
  await standin.proc.stop();
  process.exit(0);
}
if (process.env.BENCH_ONLY === 'report') {
  reportBench();
  await standin.proc.stop();
  process.exit(0);
}
if (process.env.BENCH_ONLY === 'load') {
  await throughput(nginxTarget());
  await throughput(ours);
  await standin.proc.stop();
  process.exit(0);
}
const nginx = await throughput(nginxTarget());
const oursLoad = await throughput(ours);
const peerLoad = await throughput(peer);
await control(standin, `/delay?ms=${START_DELAY_MS}`);
const oursBurst = await burst(ours, standin, 'burst-ours-');
const peerBurst = await burst(peer, standin, 'burst-peer-');
const ledgerBurst = await ledgerBursts(standin);
const notifyBurst = await notifyBursts(standin);
await control(standin, '/delay?ms=0');
// Before the scale test, whose 30 000 rooms stay in the stand-in: their reconcile passes would
// be this recorder's too.
const panel = await participantsRoom(standin);
const oursScale = await scale(standin);
const report = reportBench();
const api = await ledgerApi(standin);
log('callgrind (slow)');
const instructions = await instructionsPerWebhook(standin);
const trackInstructions = await instructionsPerWebhook(standin, 'track');
log(`${Math.round(instructions)} instructions per verified participant_joined, ${Math.round(trackInstructions)} per track_published`);
await standin.proc.stop();

const ratio = (a, b) => (b ? `${(a / b).toFixed(2)}×` : '');
const mb = (kb) => `${(kb / 1024).toFixed(1)} MB`;
const ms = (v) => (v < 1 ? `${(v * 1000).toFixed(0)} µs` : `${v.toFixed(v < 10 ? 2 : 0)} ms`);
const check = (ok) => (ok ? 'yes' : '**no**');
const cpuText = (c) => `${c.user.toFixed(1)} + ${c.kernel.toFixed(1)} µs (wrk: + ${c.wrk.toFixed(1)})`;
const rows = [
  ['verified webhooks/s (wrk, 32 connections)', Math.round(oursLoad.rate), Math.round(peerLoad.rate), ratio(oursLoad.rate, peerLoad.rate),
    `≥ 100 000, ≥ 6× peer, ≥ 45 % of nginx (${Math.round(nginx.rate)}/s): ${(100 * oursLoad.rate / nginx.rate).toFixed(0)} %`,
    check(oursLoad.rate >= 100000 && oursLoad.rate >= 6 * peerLoad.rate && oursLoad.rate >= 0.45 * nginx.rate)],
  ['CPU per request: user + kernel (wrk: + its own)', cpuText(oursLoad.cpu), cpuText(peerLoad.cpu), ratio(oursLoad.cpu.user + oursLoad.cpu.kernel, peerLoad.cpu.user + peerLoad.cpu.kernel),
    `nginx: ${cpuText(nginx.cpu)}`, ''],
  ['latency p50', ms(oursLoad.p50), ms(peerLoad.p50), ratio(oursLoad.p50, peerLoad.p50), '', ''],
  ['latency p99', ms(oursLoad.p99), ms(peerLoad.p99), ratio(oursLoad.p99, peerLoad.p99), '< 1 ms', check(oursLoad.p99 < 1)],
  ['resident memory, idle', mb(oursLoad.idle), mb(peerLoad.idle), ratio(oursLoad.idle, peerLoad.idle), '< 8 MB', check(oursLoad.idle < 8 * 1024)],
  ['resident memory, peak (wrk and burst)', mb(Math.max(oursLoad.peak, oursBurst.peak)), mb(Math.max(peerLoad.peak, peerBurst.peak)),
    ratio(Math.max(oursLoad.peak, oursBurst.peak), Math.max(peerLoad.peak, peerBurst.peak)), '< 20 MB, ≤ 1/7 of peer',
    check(Math.max(oursLoad.peak, oursBurst.peak) < 20 * 1024 && Math.max(oursLoad.peak, oursBurst.peak) * 7 <= Math.max(peerLoad.peak, peerBurst.peak))],
  [`burst of ${BURST_ROOMS} room_started: all acknowledged`, ms(oursBurst.acknowledgedMs), ms(peerBurst.acknowledgedMs), ratio(oursBurst.acknowledgedMs, peerBurst.acknowledgedMs), '< 500 ms', check(oursBurst.acknowledgedMs < 500)],
  [`burst: every room recording (starts take ${START_DELAY_MS} ms)`, ms(oursBurst.recordedMs), ms(peerBurst.recordedMs), ratio(oursBurst.recordedMs, peerBurst.recordedMs), 'no later than the peer', check(oursBurst.recordedMs <= peerBurst.recordedMs)],
  ['burst: rooms missed / doubled', `${oursBurst.missed} / ${oursBurst.doubled}`, `${peerBurst.missed} / ${peerBurst.doubled}`, '', '0 / 0', check(oursBurst.missed === 0 && oursBurst.doubled === 0)],
  ...['sqlite', 'postgres'].map((key) => {
    const on = ledgerBurst[key];
    const off = ledgerBurst.off;
    const within = on.acknowledgedMs <= 1.1 * off.acknowledgedMs && on.recordedMs <= 1.1 * off.recordedMs;
    return [`burst with the ledger on ${key === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: acknowledged / recording (ledger off: ${ms(off.acknowledgedMs)} / ${ms(off.recordedMs)})`,
      `${ms(on.acknowledgedMs)} / ${ms(on.recordedMs)}`, '', `${ratio(on.acknowledgedMs, off.acknowledgedMs)} / ${ratio(on.recordedMs, off.recordedMs)} of off`,
      key === 'sqlite' ? 'within 10 % of the ledger off' : 'reported', key === 'sqlite' ? check(within && on.missed === 0 && on.doubled === 0) : ''];
  }),
  (() => {
    const { on, off } = notifyBurst;
    const within = on.acknowledgedMs <= 1.1 * off.acknowledgedMs && on.recordedMs <= 1.1 * off.recordedMs;
    return [`burst with notifications to one endpoint: acknowledged / recording (off: ${ms(off.acknowledgedMs)} / ${ms(off.recordedMs)})`,
      `${ms(on.acknowledgedMs)} / ${ms(on.recordedMs)}`, '', `${ratio(on.acknowledgedMs, off.acknowledgedMs)} / ${ratio(on.recordedMs, off.recordedMs)} of off`,
      'within 1.1× of notifications off', check(within && on.missed === 0 && on.doubled === 0)];
  })(),
  [`the burst's ${BURST_ROOMS} rooms closed (egress_ended, room_finished): all acknowledged, notifications on (off: ${ms(notifyBurst.off.closedMs)})`,
    ms(notifyBurst.on.closedMs), '', `${ratio(notifyBurst.on.closedMs, notifyBurst.off.closedMs)} of off`, 'reported (the deliveries share the 2 cores)', ''],
  [`... and their ${2 * BURST_ROOMS} notifications (room_session.finished, recording.ended) delivered`, ms(notifyBurst.on.notifiedMs), '', '', 'reported', ''],
  [`${SCALE_ROOMS} rooms without a webhook: all recorded by the reconciler`, ms(oursScale.recordedMs), '', '', '', ''],
  ['scale: rooms missed / doubled; log lines written', `${oursScale.missed} / ${oursScale.doubled}; ${oursScale.lines}`, '', '', '0 / 0; a line per room started, not per deferred room',
    check(oursScale.missed === 0 && oursScale.doubled === 0 && oursScale.lines < SCALE_ROOMS * 1.1)],
  ['scale: resident memory, peak / 10 s after the last start, between passes (during one)', `${mb(oursScale.peak)} / ${mb(oursScale.after)} (${mb(oursScale.inPass)})`, '', '', '< 48 MB / < 16 MB',
    check(oursScale.peak < 48 * 1024 && oursScale.after < 16 * 1024)],
  ['scale: CPU per room (user + kernel)', `${oursScale.cpuPerRoomUs.toFixed(0)} µs`, '', '', '', ''],
  ...['json', 'csv', 'table'].map((format) => [`report of ${LEDGER_SESSIONS} sessions (400 days, ${format}): peak memory / time`,
    `${mb(report[format].peak)} / ${(report[format].ms / 1000).toFixed(1)} s`, '', '', '< 64 MB, whatever the window', check(report[format].peak < 64 * 1024)]),
  [`report --since 24h on ${LEDGER_SESSIONS} sessions: peak memory / time`, `${mb(report.day.peak)} / ${ms(report.day.ms)}`, '', '', '< 64 MB', check(report.day.peak < 64 * 1024)],
  ['ledger file per session (SQLite)', `${report.bytesPerSession.toFixed(0)} bytes`, '', '', '', ''],
  ...[['sqlite', 'SQLite'], ['postgres', 'PostgreSQL']].flatMap(([key, db]) => [
    ...api[key].filters.map((f) => [`API on ${LEDGER_SESSIONS} sessions (${db}): ${f.name}, p50 / p95`, `${ms(f.p50)} / ${ms(f.p95)}`, '', '', '< 100 ms p95, 200',
      check(f.p95 < 100 && f.statuses.length === 1 && f.statuses[0] === 200)]),
    [`API (${db}): ${api[key].concurrent.clients} clients at once, ${api[key].concurrent.requests} requests: refused (503) / p95`,
      `${api[key].concurrent.refused} / ${ms(api[key].concurrent.p95)}`, '', '', '0 refused', check(api[key].concurrent.refused === 0 && api[key].concurrent.other === 0)],
    [`webhook latency p50 / p99 (${db}): alone; while 4 clients read "${api[key].webhook.slowest}"`,
      `${ms(api[key].webhook.quiet.p50)} / ${ms(api[key].webhook.quiet.p99)}; ${ms(api[key].webhook.busy.p50)} / ${ms(api[key].webhook.busy.p99)}`, '', '', 'unchanged by reads', ''],
  ]),
  ...[['list', 'limit=1000'], ['metadata', 'limit=1000&fields=metadata'], ['ui', '/ui']].map(([key, what]) => {
    const m = api.memory[key];
    return [`${api.memory.written} rooms of 900 KiB metadata, ${what}: answer / RSS added at peak / 2 s after`, `${mb(m.bytes / 1024)} / ${mb(m.addedKb)} / ${mb(m.afterKb)}`, '', '',
      '< 32 MB at peak', check(m.status === 200 && m.addedKb < 32 * 1024)];
  }),
  [`retention on ${LEDGER_SESSIONS} sessions (SQLite), the older ${api.prune.sessions}: steps / time / longest step / file before → after`,
    `${api.prune.steps} / ${(api.prune.ms / 1000).toFixed(1)} s / ${api.prune.longestMs} ms / ${api.prune.beforeMb.toFixed(0)} → ${api.prune.afterMb.toFixed(0)} MB`, '', '',
    'a step < 100 ms, the file shrinks', check(api.prune.longestMs < 100 && api.prune.afterMb < api.prune.beforeMb)],
  [`a room of ${ROOM_PARTICIPANTS} participants joining at once (record: participants): all recording / starts / peak memory`,
    `${ms(panel.recordedMs)} / ${panel.starts} for ${panel.distinct} / ${mb(panel.peak)}`, '', '', `${ROOM_PARTICIPANTS} starts, each once`,
    check(panel.starts === ROOM_PARTICIPANTS && panel.distinct === ROOM_PARTICIPANTS && panel.refused === 0)],
  ['instructions per verified webhook (callgrind; record: room): participant_joined / track_published', `${Math.round(instructions)} / ${Math.round(trackInstructions)}`, '', '',
    'for regressions; ignored as cheaply as before', ''],
  ['start-up to ready', ms(oursLoad.readyMs), ms(peerLoad.readyMs), ratio(oursLoad.readyMs, peerLoad.readyMs), '', ''],
  ['binary size (stripped)', mb(strippedSize(BIN) / 1024), '', '', '', ''],
];
const table = ['| measure | auto-recorder | node peer | ours / peer | target | met |', '|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
const section = `Measured ${when} UTC on ${machine}. The load generator shares the cores.\n\n${table}\n`;
console.log(`\n${table}\n`);

const docs = join(ROOT, 'docs/performance.md');
const text = readFileSync(docs, 'utf8');
const begin = '<!-- bench:begin -->\n';
const end = '<!-- bench:end -->';
writeFileSync(docs, text.slice(0, text.indexOf(begin) + begin.length) + section + text.slice(text.indexOf(end)));
log('docs/performance.md updated');
// The README quotes these, from this run only (bench/figures.mjs; lint.figures checks).
const toMb = (kb) => kb / 1024;
const previous = existsSync(FIGURES_JSON) ? JSON.parse(readFileSync(FIGURES_JSON, 'utf8')) : {};
writeFigures({
  measured: when,
  webhooksPerS: Math.round(oursLoad.rate),
  peerWebhooksPerS: Math.round(peerLoad.rate),
  nginxPerS: Math.round(nginx.rate),
  idleMb: toMb(oursLoad.idle),
  cpuUserUs: oursLoad.cpu.user,
  cpuKernelUs: oursLoad.cpu.kernel,
  peakMb: toMb(Math.max(oursLoad.peak, oursBurst.peak)),
  burstRooms: BURST_ROOMS,
  burstRecordedMs: Math.round(oursBurst.recordedMs),
  peerBurstRecordedMs: Math.round(peerBurst.recordedMs),
  scaleRooms: SCALE_ROOMS,
  scalePeakMb: toMb(oursScale.peak),
  reportPeakMb: toMb(Math.max(...['json', 'csv', 'table', 'day'].map((k) => report[k].peak))),
  binaryMb: strippedSize(BIN) / 2 ** 20,
  instructionsPerWebhook: Math.round(instructions),
  previousInstructionsPerWebhook: previous.instructionsPerWebhook ?? Math.round(instructions),
});
log("docs/bench.json and the figures the README and docs/performance.md quote updated");
