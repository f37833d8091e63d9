// The ledger's API at a million sessions, for `make bench` (issue 24): each documented filter's
// p50/p95 on the generated ledger, eight clients at once, a webhook's latency while the slowest
// query runs, and the memory a page of rooms with large metadata adds. The recorder is the real
// binary with its defaults (4 readers, 5 s query limit); nothing here is a pass/fail test.
import http from 'node:http';

const TOKEN = 'bench-api-token-0123';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The documented combinations (docs/ledger.md), on a ledger of sessions over 400 days named
// class-N and hearing-N (bench/ledger_gen.cpp).
export const FILTERS = [
  ['the last day (default)', '/v1/rooms'],
  ['400 days, first page of 100', '/v1/rooms?since=400d'],
  ['400 days, limit=1000', '/v1/rooms?since=400d&limit=1000'],
  ['a past week (since, until)', '/v1/rooms?since=200d&until=193d'],
  ['status=unrecorded, 400 days', '/v1/rooms?since=400d&status=unrecorded'],
  ['status=stopped, 400 days, none match', '/v1/rooms?since=400d&status=stopped'],
  ['status=partial, 400 days, limit=1000', '/v1/rooms?since=400d&status=partial&limit=1000'],
  ['name=hearing-12* (prefix), 400 days', '/v1/rooms?since=400d&name=hearing-12*'],
  ['name=class-4999 (exact), 400 days', '/v1/rooms?since=400d&name=class-4999'],
  ['name=*-4999 (infix), the last day', '/v1/rooms?name=*-4999'],
  ['name=*nomatch* (infix), 400 days', '/v1/rooms?since=400d&name=*nomatch*'],
  ['status + prefix, 400 days', '/v1/rooms?since=400d&status=recorded&name=class-1*'],
  ['page 10 of 400 days (page_token)', null],
  ['one session (/v1/rooms/{sid})', null],
  ['/ui (the day, counts)', '/ui'],
];

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

// One request: its status, body and time in ms.
function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(url, { method, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks), ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const get = (base, path) => request(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });

// The path of page 10 of the 400-day window, and one session's, found by paging.
async function pathsFound(base) {
  let token = '';
  let sid = '';
  for (let page = 1; page < 10; page += 1) {
    const after = token ? `&page_token=${encodeURIComponent(token)}` : '';
    const answer = JSON.parse((await get(base, `/v1/rooms?since=400d${after}`)).body);
    token = answer.next_page_token;
    sid ||= answer.rooms[0].sid;
  }
  return { page10: `/v1/rooms?since=400d&page_token=${encodeURIComponent(token)}`, one: `/v1/rooms/${sid}` };
}

async function timed(base, path, runs) {
  for (let i = 0; i < 3; i += 1) await get(base, path); // warm: the page cache, prepared statements
  const times = [];
  const statuses = new Set();
  for (let i = 0; i < runs; i += 1) {
    const answer = await get(base, path);
    times.push(answer.ms);
    statuses.add(answer.status);
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95), statuses: [...statuses] };
}

// Webhooks one after another for `count`: their latencies' p50 and p99 in ms.
async function webhookLatency(webhookUrl, webhook, count) {
  const times = [];
  for (let i = 0; i < count; i += 1) {
    const answer = await request(webhookUrl, {
      method: 'POST', body: webhook.body, headers: { 'Content-Type': 'application/webhook+json', Authorization: webhook.authorization },
    });
    if (answer.status !== 200) throw new Error(`webhook answered ${answer.status}`);
    times.push(answer.ms);
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

// `start(env)`: the recorder on the generated ledger, { base, webhookUrl, stop }.
export async function ledgerApiBench({ start, webhook, log }) {
  const recorder = await start({ API_TOKEN: TOKEN });
  try {
    const found = await pathsFound(recorder.base);
    const filters = [];
    for (const [name, path] of FILTERS) {
      const actual = path ?? (name.startsWith('page') ? found.page10 : found.one);
      const result = { name, path: actual, ...(await timed(recorder.base, actual, 20)) };
      log(`ledger API ${name}: p50 ${result.p50.toFixed(1)} ms, p95 ${result.p95.toFixed(1)} ms, statuses ${result.statuses}`);
      filters.push(result);
    }

    // Eight clients at once, ten requests each, over the filters that are not scans.
    const mixed = FILTERS.map(([, path]) => path).filter((p) => p && !p.includes('nomatch'));
    const started = performance.now();
    const answers = (await Promise.all(Array.from({ length: 8 }, async (_, c) => {
      const out = [];
      for (let i = 0; i < 10; i += 1) out.push(await get(recorder.base, mixed[(c + i) % mixed.length]));
      return out;
    }))).flat();
    const concurrent = {
      clients: 8, requests: answers.length, refused: answers.filter((a) => a.status === 503).length,
      other: answers.filter((a) => a.status !== 200 && a.status !== 503).length,
      p95: percentile(answers.map((a) => a.ms), 95), wallMs: performance.now() - started,
    };
    log(`ledger API, 8 clients at once: ${concurrent.requests} requests, ${concurrent.refused} refused, p95 ${concurrent.p95.toFixed(1)} ms`);

    // A webhook's latency alone, then while four clients keep the slowest query running.
    const quiet = await webhookLatency(recorder.webhookUrl, webhook, 300);
    let reading = true;
    const slowest = filters.reduce((a, b) => (b.p95 > a.p95 ? b : a));
    const readers = Array.from({ length: 4 }, async () => {
      let n = 0;
      while (reading) { await get(recorder.base, slowest.path); n += 1; }
      return n;
    });
    await sleep(100);
    const busy = await webhookLatency(recorder.webhookUrl, webhook, 300);
    reading = false;
    const slowReads = (await Promise.all(readers)).reduce((a, b) => a + b, 0);
    log(`webhook latency p50/p99: ${quiet.p50.toFixed(2)}/${quiet.p99.toFixed(2)} ms alone, ${busy.p50.toFixed(2)}/${busy.p99.toFixed(2)} ms during ${slowReads} reads of "${slowest.name}"`);
    return { filters, concurrent, webhook: { quiet, busy, slowest: slowest.name, slowReads } };
  } finally {
    await recorder.stop();
  }
}

// Rooms whose metadata is 900 KiB each, written through webhooks, then a page of 1000 of them
// read with their metadata, without, and /ui: the resident memory each adds at its peak (sampled
// every 2 ms) and what the process holds 2 s later.
export async function metadataMemoryBench({ start, signRoomStarted, rssKb, log, rooms = 200 }) {
  const recorder = await start({ API_TOKEN: TOKEN });
  const out = { rooms };
  try {
    const metadata = JSON.stringify({ notes: 'x'.repeat(900 * 1024 - 20) });
    for (let i = 0; i < rooms; i += 1) {
      const { body, authorization } = await signRoomStarted(`big-metadata-${i}`, metadata);
      const answer = await request(recorder.webhookUrl, { method: 'POST', body, headers: { 'Content-Type': 'application/webhook+json', Authorization: authorization } });
      if (answer.status !== 200) throw new Error(`room_started answered ${answer.status}: ${answer.body}`);
    }
    const deadline = Date.now() + 60000;
    let written = 0;
    while (written < rooms && Date.now() < deadline) { // every room written (or as many as were)
      written = JSON.parse((await get(recorder.base, '/v1/rooms?since=1h&limit=1000')).body).rooms.length;
      if (written < rooms) await sleep(200);
    }
    out.written = written;
    await sleep(1000);
    for (const [name, path] of [['list', '/v1/rooms?since=1h&limit=1000'], ['metadata', '/v1/rooms?since=1h&limit=1000&fields=metadata'], ['ui', '/ui']]) {
      const before = rssKb(recorder.pid);
      let peak = before;
      let sampling = true;
      const sampler = (async () => { while (sampling) { peak = Math.max(peak, rssKb(recorder.pid)); await sleep(2); } })();
      const answer = await get(recorder.base, path);
      sampling = false;
      await sampler;
      await sleep(2000);
      out[name] = { status: answer.status, bytes: answer.body.length, addedKb: peak - before, afterKb: rssKb(recorder.pid) - before };
      log(`${path}: ${answer.status}, ${(answer.body.length / 1024).toFixed(0)} KiB, +${((peak - before) / 1024).toFixed(1)} MB at peak, +${((rssKb(recorder.pid) - before) / 1024).toFixed(1)} MB after 2 s`);
    }
    return out;
  } finally {
    await recorder.stop();
  }
}
