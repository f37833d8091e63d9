// `make demo`: a room recorded end to end. Starts the LiveKit stand-in (LiveKit's official npm
// packages), runs the real auto-recorder against it, sends room_started exactly as livekit-server
// would, shows the StartRoomCompositeEgress that LiveKit received, then the recording ending with
// its file, what the ledger keeps of the room (its HTTP API and `auto-recorder report`), and the
// application's receiver getting the signed room_session.finished (verified with the official
// `standardwebhooks` package).
import { LiveKitStandIn } from '../tests/integration/lib/standin.mjs';
import { EgressInfo, EgressStatus } from '@livekit/protocol';
import { startRecorder, runToExit, tempDir } from '../tests/integration/lib/recorder.mjs';
import { eventBody, signBody, post } from '../tests/integration/lib/webhooks.mjs';
import { until } from '../tests/integration/lib/wait.mjs';
import { randomBytes } from 'node:crypto';
import { Receiver, newSecret } from '../tests/integration/lib/receiver.mjs';

const bold = process.stdout.isTTY ? (t) => `\x1b[1m${t}\x1b[0m` : (t) => t;
const step = (text) => console.log(`\n${bold(`▶ ${text}`)}`);
const mask = (value) => (typeof value === 'string' && value.length > 0 ? '•'.repeat(8) : value);

const standin = await new LiveKitStandIn().start();
const notifySecret = newSecret();
const app = await new Receiver({ secrets: [notifySecret] }).start(); // the school's application
step(`LiveKit stand-in (livekit-server-sdk TokenVerifier, @livekit/protocol strict parsing) on ${standin.url}`);

const env = {
  LIVEKIT_HOST: standin.url.replace('http://', 'ws://'), // the URL clients use works too
  LIVEKIT_API_KEY: standin.apiKey,
  LIVEKIT_API_SECRET: standin.apiSecret,
  S3_BUCKET: 'school-recordings',
  S3_REGION: 'eu-central-1',
  S3_ENDPOINT: 'http://minio.storage.svc:9000',
  S3_ACCESS_KEY: 'recorder',
  S3_SECRET: 'minio-secret-key',
  FILE_PATH: 'recordings/{room_name}-{time}',
  API_TOKEN: randomBytes(18).toString('base64url'), // turns on the ledger's HTTP API
  NOTIFY_URL: app.url, // tells the application when a session's recordings are final
  NOTIFY_SECRET: notifySecret,
};
step('Starting auto-recorder with S3 storage and a notification endpoint from environment variables');
const cwd = tempDir(); // the ledger (ledger.db) is written here
const recorder = await startRecorder({ env, cwd });
process.stdout.write(recorder.output.replace(/^/gm, '  │ '));

const room = 'Chemistry 7B — Zürich';
const { sid } = standin.addRoom(room);
const body = eventBody('room_started', { room: { name: room, sid } });
const token = await signBody(body, { apiKey: standin.apiKey, apiSecret: standin.apiSecret });
step(`LiveKit posts room_started for "${room}" (bare JWT, sha256 of the body, 5 min validity)`);
const answer = await post(`${recorder.url}/webhook-receiver`, body, { authorization: token });
console.log(`  webhook answered ${answer.status} in ${answer.ms.toFixed(1)} ms`);

await recorder.waitForLogLine(/recording started/); // the demo shows the log
const [request] = standin.startRequests();
const egress = standin.egresses[0];
step('LiveKit received StartRoomCompositeEgress (secrets masked here, sent in full):');
const json = request.toJson();
const s3 = json.fileOutputs[0].s3;
for (const key of ['secret', 'accessKey']) s3[key] = mask(s3[key]);
console.log(JSON.stringify(json, null, 2).replace(/^/gm, '  '));
console.log(`  → egress ${egress.egressId} ${['STARTING', 'ACTIVE'][egress.status] ?? egress.status} for room "${egress.roomName}"`);

step('The class ends: egress reports the file (egress_ended), LiveKit closes the room (room_finished)');
standin.removeRoom(room); // the last participant left: LiveKit closes the room, egress ends
const ended = standin.endEgress(egress.egressId, EgressStatus.EGRESS_COMPLETE);
ended.fileResults[0].size = 734_003_200n;
ended.fileResults[0].duration = 2_700_000_000_000n; // 45 minutes
for (const [event, fields] of [['egress_ended', { egressInfo: new EgressInfo(ended) }], ['room_finished', { room: { name: room, sid } }]]) {
  const update = eventBody(event, fields);
  const sent = await post(`${recorder.url}/webhook-receiver`, update, { authorization: await signBody(update, standin) });
  console.log(`  ${event} answered ${sent.status}`);
}

step(`The ledger's HTTP API: GET /v1/rooms/${sid} (Authorization: Bearer <api_token>)`);
const fromApi = async () => (await fetch(`${recorder.url}/v1/rooms/${sid}`, { headers: { authorization: `Bearer ${env.API_TOKEN}` } })).json();
let kept;
await until(async () => (kept = await fromApi()).status === 'recorded', 'the room recorded in the ledger', 10000, 50);
console.log(JSON.stringify(kept, null, 2).replace(/^/gm, '  '));
const metrics = await (await fetch(`${recorder.url}/metrics`)).text();
console.log(metrics.split('\n').filter((l) => l.startsWith('auto_recorder_room_sessions_total{')).map((l) => `  ${l}`).join('\n'));

step(`The application's receiver: room_session.finished, signed (Standard Webhooks), verified with the standardwebhooks package`);
const [told] = await app.finished(sid);
const [delivery] = app.accepted('room_session.finished', sid);
console.log(`  webhook-id: ${delivery.id}\n  webhook-signature: ${delivery.signature.slice(0, 16)}…`);
console.log(`  ${told.type}: ${told.data.name} ${told.data.status}, ${told.data.recordings.length} recording, file ${told.data.recordings[0]?.files[0]?.location}`);

step('auto-recorder log');
const { code } = await recorder.stop('SIGTERM'); // the ledger writes what it holds before exiting
process.stdout.write(recorder.output.replace(/^/gm, '  │ '));
await standin.stop();
await app.stop();

step('The ledger: `auto-recorder report --since 1h` (exit 0: nothing unrecorded or partial)');
const table = await runToExit({ env, cwd, args: ['report', '--since', '1h'] });
process.stdout.write(table.output.replace(/^/gm, '  '));
const [reported] = JSON.parse((await runToExit({ env, cwd, args: ['report', '--since', '1h', '--format', 'json'] })).output).rooms;

const ok = answer.status === 200 && standin.egresses.length === 1 && code === 0 && standin.strictErrors.length === 0 &&
  table.code === 0 && kept?.status === 'recorded' && kept.recordings[0]?.files[0]?.size === 734003200 &&
  reported?.status === 'recorded' && reported.sid === sid && told.data.status === 'recorded' && app.unverified.length === 0;
step(ok ? 'Room recorded end to end: one webhook, one egress, clean shutdown, recorded in the ledger with its file, the application told.' : 'Demo FAILED');
process.exit(ok ? 0 : 1);
