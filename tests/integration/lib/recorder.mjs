// Runs the real auto-recorder binary as a child process, the way an operator would.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import net from 'node:net';
import { until } from './wait.mjs';
import { tellerEnv, assertTold } from './told.mjs';

// The counters tests read most (docs/operations.md#read-the-metrics).
export const STARTED = 'auto_recorder_recordings_started_total'; // {origin}
export const SKIPPED = 'auto_recorder_recordings_skipped_total'; // {reason}
export const RETRIED = 'auto_recorder_recordings_retried_total'; // {code}
export const FAILED = 'auto_recorder_recordings_failed_total'; // {code}: starts that gave up
export const ENDED_FAILED = 'auto_recorder_recordings_ended_failed_total'; // {status, phase}

export const BINARY = resolve(process.env.AUTO_RECORDER_BIN ?? new URL('../../../build/auto-recorder', import.meta.url).pathname);

// The environment variables the configuration reference marks as secrets.
const SECRET_VARIABLES = new Set(readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => /^\| `[^`]+` \| `[A-Z0-9_]+` \|.*\| yes \|/.test(line))
  .map((line) => line.split('`')[3]));
if (SECRET_VARIABLES.size < 5) throw new Error('could not read the secret settings from docs/configuration.md');

// Secret values this process was given: by variable, through *_FILE, or named by the test (YAML).
function secretValues(env, extra) {
  const values = new Map();
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (SECRET_VARIABLES.has(name)) {
      // A credentials path is not a secret (errors name it on purpose); its JSON content is.
      if (name === 'GOOGLE_APPLICATION_CREDENTIALS' && !value.trim().startsWith('{')) continue;
      values.set(name, value);
    } else if (name.endsWith('_FILE') && SECRET_VARIABLES.has(name.slice(0, -5))) {
      // Only a regular file: tests name devices, FIFOs and directories on purpose.
      try {
        if (statSync(value).isFile()) values.set(name, readFileSync(value, 'utf8').trim());
      } catch { /* missing on purpose */ }
    }
  }
  // A URL's secret is its password (LEDGER_POSTGRES_URL): its host and database are shown on purpose.
  for (const [name, value] of values) {
    const password = /^[a-z]+:\/\/[^/@]*:([^/@]+)@/.exec(value)?.[1];
    if (password) values.set(name, decodeURIComponent(password));
  }
  extra.forEach((value, i) => values.set(`secrets[${i}]`, value));
  // Very short values ("s") would match by chance; tests use realistic secrets where it matters.
  return [...values].filter(([, value]) => value.length >= 6);
}

// Throws, naming the variable but not the value, if any secret appears in the output, whole or
// in part: any 8 characters in a row of a secret count (a message quoting "${s3cr3t-PART}" out of
// "Sup3r${s3cr3t-PART}tail" leaks as much as the whole).
export const PARTIAL_SECRET = 8;
export function assertNoSecrets(output, env, extra = []) {
  const leaked = secretValues(env, extra).filter(([, value]) => {
    if (output.includes(value)) return true;
    for (let i = 0; i + PARTIAL_SECRET <= value.length; i += 1) {
      if (output.includes(value.slice(i, i + PARTIAL_SECRET))) return true;
    }
    return false;
  }).map(([name]) => name);
  if (leaked.length > 0) throw new Error(`secret value of ${leaked.join(', ')} appears in the recorder's output, whole or in part`);
}

// The sum of the samples of `name` in a Prometheus text exposition whose labels include `labels`.
export function sample(text, name, labels = {}) {
  let sum = 0;
  for (const [, metric, labelText = '', value] of text.matchAll(/^([\w:]+)(?:\{(.*)\})? (\S+)$/gm)) {
    if (metric !== name) continue;
    const has = Object.fromEntries([...labelText.matchAll(/(\w+)="((?:\\.|[^"\\])*)"/g)].map(([, k, v]) => [k, v]));
    if (Object.entries(labels).every(([k, v]) => has[k] === String(v))) sum += Number(value);
  }
  return sum;
}

export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Whether a connection to `port` on loopback is refused: nothing listens there (yet, or any more).
export function refused(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve(false); });
    socket.on('error', () => resolve(true));
  });
}

export function tempDir() {
  return mkdtempSync(join(tmpdir(), 'auto-recorder-test-'));
}

// The environment for a recorder talking to `standin` and storing to a MinIO-style S3 bucket.
export function baseEnv(standin, extra = {}) {
  return {
    LIVEKIT_HOST: standin.url,
    LIVEKIT_API_KEY: standin.apiKey,
    LIVEKIT_API_SECRET: standin.apiSecret,
    S3_BUCKET: 'recordings',
    ...extra,
  };
}

class RecorderProcess {
  constructor(child, port, env, secrets = [], { binary, configArgs = [], cwd, ledger = null } = {}) {
    this.env = env;
    this.binary = binary;
    this.configArgs = configArgs; // --config FILE, for `report` to read the same ledger
    this.cwd = cwd;
    this.ledger = ledger; // set when the recorder tells lib/told.mjs's receiver
    this.secrets = secrets;
    this.child = child;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.startedAt = Date.now(); // ms, when the process was spawned
    this.output = '';
    this.exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const collect = (chunk) => { this.output += chunk.toString(); };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const key = env.WEBHOOK_API_KEY ?? env.LIVEKIT_API_KEY;
    const secret = env.WEBHOOK_API_SECRET ?? env.LIVEKIT_API_SECRET;
    this.webhookAuth = { apiKey: key, apiSecret: secret };
  }

  // lib/wait.mjs's until, failing with the recorder's output to read.
  async until(condition, what, timeoutMs, everyMs) {
    try {
      await until(condition, what, timeoutMs, everyMs);
    } catch (e) {
      throw new Error(`${e.message}; the recorder's output:\n${this.output}`);
    }
  }

  // Waits for a line of the log, for tests where the line is the behaviour: what it tells the
  // operator. Anything else is awaited where a user sees it (the stand-in's calls, /metrics, an
  // HTTP answer, the ledger); tests/log_waits.mjs wants each call to say why, in a `// log:`.
  async waitForLogLine(pattern, timeoutMs = 5000) {
    await this.until(() => this.output.match(pattern) !== null, `${pattern} in recorder output`, timeoutMs, 10);
    return this.output.match(pattern);
  }

  lines(pattern) {
    return this.output.split('\n').filter((line) => pattern.test(line));
  }

  // On health_port when there is one, as Prometheus scrapes it.
  async metrics() {
    const port = this.env.HEALTH_PORT ?? this.port;
    return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  }

  // The sum of the /metrics samples of `name` whose labels include `labels`, 0 if there is none:
  // metric('auto_recorder_recordings_skipped_total', { reason: 'rule' }).
  async metric(name, labels = {}) {
    return sample(await this.metrics(), name, labels);
  }

  // Resolves once metric(name, labels) has reached `value`: a counter's evidence that the
  // recorder did what it counts.
  async waitForMetric(name, labels, value, timeoutMs = 5000) {
    await this.until(async () => (await this.metric(name, labels)) >= value,
      `${name}${JSON.stringify(labels)} to reach ${value}`, timeoutMs, 20);
  }

  // Resolves once the stand-in holds `count` recordings of `room` and this recorder has taken in
  // the answer (no start pending): "recording started", as LiveKit and /metrics see it.
  async waitForRecorded(standin, room, { count = 1, timeoutMs = 5000 } = {}) {
    await this.until(() => standin.startsFor(room).length >= count,
      `${count} recording(s) of ${room} at LiveKit (saw ${standin.startsFor(room).length})`, timeoutMs, 10);
    await this.waitForNoPendingStarts(timeoutMs);
    return standin.startsFor(room);
  }

  // The ledger's latest session of room `name` from GET /v1/rooms (the recorder runs with
  // API_TOKEN), once `fits` holds for it: what an operator's tools read. The ledger writes on
  // its own thread, so a session shows a moment after the recorder decided.
  async waitForLedgerRoom(name, fits = () => true, timeoutMs = 10000) {
    let room;
    await this.until(async () => {
      const answer = await fetch(`${this.url}/v1/rooms?since=1h&name=${encodeURIComponent(name)}`,
        { headers: { authorization: `Bearer ${this.env.API_TOKEN}` } });
      const text = await answer.text();
      // 503 with Retry-After is the API's "try again" (a file being made anew, a database not
      // reachable yet); anything else is an answer.
      if (answer.status === 503) return false;
      if (answer.status !== 200) throw new Error(`GET /v1/rooms answered ${answer.status}: ${text}`);
      room = JSON.parse(text).rooms.find((r) => r.name === name);
      return room !== undefined && fits(room);
    }, `${name} in the ledger API`, timeoutMs, 50);
    return room;
  }

  // Reconcile passes that completed, from /metrics.
  async reconcilePasses() {
    return this.metric('auto_recorder_reconcile_passes_total', { result: 'ok' });
  }

  // Resolves once `count` more reconcile passes have completed: evidence that the recorder
  // looked again, for tests that check nothing more happened.
  async waitForPasses(count, timeoutMs = 10000) {
    const target = (await this.reconcilePasses()) + count;
    await this.until(async () => (await this.reconcilePasses()) >= target, `${count} reconcile passes`, timeoutMs, 20);
  }

  // Rooms whose recording is being started or waits for a retry (the bounded queue), from /metrics.
  async pendingStarts() {
    return Number((await this.metrics()).match(/^auto_recorder_pending_starts (\S+)$/m)?.[1] ?? NaN);
  }

  // Resolves once no start is pending: every start this process began has ended, with an egress
  // at LiveKit (the start call is answered before its attempt ends) or with a decision not to, and
  // no retry is waiting. With the reconciler off and no webhook to come, nothing more can start:
  // evidence for tests that check nothing more happened.
  async waitForNoPendingStarts(timeoutMs = 5000) {
    await this.until(async () => (await this.pendingStarts()) === 0, 'no pending starts', timeoutMs, 20);
  }

  async stop(signal = 'SIGTERM') {
    const running = this.child.exitCode === null && this.child.signalCode === null;
    // Before a graceful stop: every session this ledger ended was told (lib/told.mjs). Not when
    // the test signalled it already (a drain it times), nor for SIGKILL.
    const checked = running && !this.child.killed && signal !== 'SIGKILL';
    const untold = checked ? await assertTold(this).then(() => null, (e) => e) : null;
    if (running) this.child.kill(signal);
    const result = await this.exit;
    assertNoSecrets(this.output, this.env, this.secrets);
    // A failing exit (a sanitizer report, a crash) is worth seeing in CI's log in full.
    if (result.code !== 0 && result.signal !== 'SIGKILL') {
      console.error(`recorder exited with code ${result.code} signal ${result.signal}; its output:\n${this.output}`);
    }
    if (untold) throw untold;
    return result;
  }
}

// Starts the binary in an empty working directory with exactly `env` (plus PORT unless given),
// optional config file text and arguments. Resolves once it logs that it is ready.
// `secrets`: secret values given some other way (e.g. in `config`) that must never be printed.
// `command`: what runs the binary, with its leading arguments (the image test: inside the image).
export async function startRecorder({ env = {}, config, args = [], waitReady = true, cwd = tempDir(), secrets = [], command = [BINARY] } = {}) {
  const fullArgs = [...args];
  if (config !== undefined) {
    const path = join(cwd, 'test-config.yaml');
    writeFileSync(path, config);
    fullArgs.push('--config', path);
  }
  const port = env.PORT ?? String(await freePort());
  // Sanitizer settings pass through, so reports land in tests/sanitize.sh's log directory.
  const sanitizers = Object.fromEntries(['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'TSAN_OPTIONS', 'LSAN_OPTIONS']
    .filter((name) => process.env[name]).map((name) => [name, process.env[name]]));
  // The service itself (not a subcommand, not inside the image) tells its ledger's receiver.
  const service = waitReady && args.length === 0 && command.length === 1 && command[0] === BINARY;
  const { ledger, extra } = await tellerEnv({ env, config, cwd, service });
  const childEnv = { PORT: port, ...sanitizers, ...extra, ...env };
  const child = spawn(command[0], [...command.slice(1), ...fullArgs], { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const configArgs = config === undefined ? [] : ['--config', join(cwd, 'test-config.yaml')];
  const recorder = new RecorderProcess(child, Number(port), childEnv, secrets, { binary: command[0], configArgs, cwd, ledger });
  if (waitReady) {
    await Promise.race([
      recorder.waitForLogLine(/auto-recorder ready/), // log: the line operators wait for; it follows the listen
      recorder.exit.then(({ code }) => { throw new Error(`recorder exited with ${code}:\n${recorder.output}`); }),
    ]);
  }
  return recorder;
}

// Runs the binary expecting it to refuse to start; resolves to { code, output }.
export async function runToExit({ env = {}, config, args = [], cwd, secrets = [], timeoutMs = 5000, command } = {}) {
  const recorder = await startRecorder({ env, config, args, cwd, secrets, command, waitReady: false });
  const timer = setTimeout(() => recorder.child.kill('SIGKILL'), timeoutMs);
  const { code } = await recorder.exit;
  clearTimeout(timer);
  assertNoSecrets(recorder.output, recorder.env, secrets);
  return { code, output: recorder.output };
}

export { writeFileSync, join };
