// Every room session of the suite is told: each recorder with a ledger, unless its test sets
// notifications of its own, tells an application's receiver (lib/receiver.mjs, verifying with the
// official standardwebhooks package), one per ledger so restarts and replicas share it. Before a
// recorder stops gracefully, every session its ledger holds as final (room finished, no recording
// active) must have reached that receiver exactly once (one webhook-id; a retry repeats it) with
// the ledger's status and recordings. docs/notifications.md is the contract this checks.
// TOLD_LOG=FILE appends a line per check: the test file, and the sessions checked or why none.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { appendFileSync } from 'node:fs';
import { Receiver, newSecret } from './receiver.mjs';
import { until } from './wait.mjs';

const FINISHED = 'room_session.finished';
const ACTIVE = new Set(['EGRESS_STARTING', 'EGRESS_ACTIVE', 'EGRESS_ENDING']);

// ledger → { receiver, secret, since, mixed }: `mixed` once a recorder wrote that ledger without
// the receiver (notifications of its test's own, a proxy in the way): its sessions are the test's.
const byLedger = new Map();

// The ledger a recorder writes: its PostgreSQL database, else its SQLite file.
function ledgerOf(env, config, cwd) {
  const postgres = env.LEDGER_POSTGRES_URL ?? /postgres_url:\s*"?([^"\s]+)/.exec(config ?? '')?.[1];
  if (postgres) return postgres;
  // Replicas on Redis keep no SQLite ledger: theirs is PostgreSQL, or none.
  if (env.REDIS_ADDRESS || env.REDIS_SENTINEL_ADDRESSES || /^redis:/m.test(config ?? '')) return null;
  if (env.LEDGER === 'off' || /^ledger:\s*(off|false)\s*$/m.test(config ?? '')) return null;
  if (/^\s+path:/m.test(config ?? '') || env.CONFIG_FILE) return null; // a file the test chose
  return resolve(cwd, env.LEDGER_PATH ?? 'ledger.db');
}

const proxied = (env) => ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'].some((name) => env[name]);

// The variables that point a recorder at its ledger's receiver, or {} when the test's own
// notifications (or none: no ledger, a command that is not the service) apply.
export async function tellerEnv({ env, config, cwd, service }) {
  const ledger = service ? ledgerOf(env, config, cwd) : null;
  if (ledger === null) return { ledger: null, extra: {} };
  const known = byLedger.get(ledger);
  const own = Object.keys(env).some((name) => name.startsWith('NOTIFY_')) || /^(notifications|notify_url):/m.test(config ?? '');
  if (own && known?.receiver && env.NOTIFY_URL === known.receiver.url) return { ledger, extra: {} }; // its env, again
  if (own || proxied(env)) {
    if (known) known.mixed = true;
    else byLedger.set(ledger, { mixed: true });
    return { ledger: null, extra: {} };
  }
  if (!known) {
    // Set before the receiver listens: replicas started together share it.
    const secret = newSecret();
    const receiver = new Receiver({ secrets: [secret] });
    byLedger.set(ledger, { receiver, secret, since: Date.now(), mixed: false,
      listening: receiver.start().then(() => receiver.server.unref()) }); // the file's process ends with its tests
  }
  const { receiver, secret, listening } = byLedger.get(ledger);
  if (!receiver) return { ledger: null, extra: {} };
  await listening;
  return { ledger, extra: { NOTIFY_URL: receiver.url, NOTIFY_SECRET: secret } };
}

// The ledger's sessions, read as an operator would (`auto-recorder report`), or null when the
// ledger cannot be read (its database stopped by the test), with why.
function report(binary, args, env, cwd) {
  return new Promise((done) => {
    execFile(binary, ['report', '--since', '24h', '--format', 'json', ...args], { env, cwd, maxBuffer: 64 << 20, timeout: 30000 },
      (error, stdout, stderr) => {
        if (error && error.code !== 3) return done({ rooms: null, why: `report: ${error.code ?? error.signal} ${stderr.trim().slice(0, 200)}` });
        try {
          done({ rooms: JSON.parse(stdout).rooms });
        } catch (e) {
          done({ rooms: null, why: `report: ${e.message}` });
        }
      });
  });
}

const log = (line) => {
  if (process.env.TOLD_LOG) appendFileSync(process.env.TOLD_LOG, `${process.argv[1]} ${line}\n`);
};

const final = (room) => room.finished_at !== null &&
  !room.recordings.some((r) => r.closed_by === '' && ACTIVE.has(r.status));

// How a session's room_session.finished differs from the ledger's row of it (its status, and each
// recording's egress, status, error and files, in order): [] when it says what the ledger says.
const kept = ({ egress_id, status, error, files }) => JSON.stringify({ egress_id, status, error, files });
export function toldUnlike(told, row) {
  const wrong = [];
  if (told.status !== row.status) wrong.push(`told ${told.status}, ledger ${row.status}`);
  const [said, is] = [told.recordings.map(kept).join(), row.recordings.map(kept).join()];
  if (said !== is) wrong.push(`told recordings ${said}, ledger ${is}`);
  return wrong;
}

// Throws, naming the sessions, unless every final session of the recorder's ledger since its
// receiver began has been accepted there once, with the ledger's status and recordings, and no
// session still open was.
export async function assertTold(recorder) {
  const entry = byLedger.get(recorder.ledger);
  if (!recorder.ledger || !entry) return;
  if (entry.mixed) return log('skipped: a recorder of this ledger had notifications of its own');
  const { receiver } = entry;
  // Told before the ledger was read: none of these may be open in what it reads.
  const toldBefore = new Set(receiver.accepted(FINISHED).map((d) => d.event.data.sid));
  const { rooms, why } = await report(recorder.binary, recorder.configArgs, recorder.env, recorder.cwd);
  if (rooms === null) return log(`skipped: ${why}`);
  const due = rooms.filter((room) => final(room) && Date.parse(room.started_at ?? room.finished_at) >= entry.since - 1000);
  log(`checked ${due.length} of ${rooms.length}`);
  const untold = () => due.filter((room) => receiver.accepted(FINISHED, room.sid).length === 0);
  try {
    // 20 s: a claim of a recorder killed before it sent holds for notify_timeout + 5 s.
    await until(() => untold().length === 0, 'every finished session told', 20000, 20);
  } catch {
    throw new Error(`sessions never told to the application: ${untold().map((r) => `${r.name} (${r.sid}, ${r.status})`).join(', ')}; ` +
      `the recorder's output:\n${recorder.output}`);
  }
  const wrong = [];
  for (const room of due) {
    const ids = new Set(receiver.deliveries.filter((d) => d.event.type === FINISHED && d.event.data.sid === room.sid).map((d) => d.id));
    const [{ event }] = receiver.accepted(FINISHED, room.sid);
    if (ids.size !== 1) wrong.push(`${room.name}: ${ids.size} webhook-ids`);
    else wrong.push(...toldUnlike(event.data, room).map((what) => `${room.name}: ${what}`));
  }
  // Never told early: a session the ledger does not hold final has no room_session.finished.
  for (const room of rooms.filter((r) => !final(r))) {
    if (toldBefore.has(room.sid)) wrong.push(`${room.name}: told finished while ${room.status}`);
  }
  if (receiver.unverified.length > 0) wrong.push(`${receiver.unverified.length} deliveries not verified: ${receiver.unverified[0].error}`);
  if (wrong.length > 0) throw new Error(`sessions told wrong: ${wrong.join('; ')}`);
}
