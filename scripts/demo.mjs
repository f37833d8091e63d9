// `make demo`: a room recorded end to end. Starts the LiveKit stand-in (LiveKit's official npm
// packages), runs the real auto-recorder against it, sends room_started exactly as livekit-server
// would, and shows the StartRoomCompositeEgress that LiveKit received.
import { LiveKitStandIn } from '../tests/integration/lib/standin.mjs';
import { startRecorder } from '../tests/integration/lib/recorder.mjs';
import { eventBody, signBody, post } from '../tests/integration/lib/webhooks.mjs';

const bold = process.stdout.isTTY ? (t) => `\x1b[1m${t}\x1b[0m` : (t) => t;
const step = (text) => console.log(`\n${bold(`▶ ${text}`)}`);
const mask = (value) => (typeof value === 'string' && value.length > 0 ? '•'.repeat(8) : value);

const standin = await new LiveKitStandIn().start();
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
};
step('Starting auto-recorder with S3 storage from environment variables');
const recorder = await startRecorder({ env });
process.stdout.write(recorder.output.replace(/^/gm, '  │ '));

const room = 'Chemistry 7B — Zürich';
const body = eventBody('room_started', { room: { name: room } });
const token = await signBody(body, { apiKey: standin.apiKey, apiSecret: standin.apiSecret });
step(`LiveKit posts room_started for "${room}" (bare JWT, sha256 of the body, 5 min validity)`);
const answer = await post(`${recorder.url}/webhook-receiver`, body, { authorization: token });
console.log(`  webhook answered ${answer.status} in ${answer.ms.toFixed(1)} ms`);

await recorder.waitForOutput(/recording started/);
const [request] = standin.startRequests();
const egress = standin.egresses[0];
step('LiveKit received StartRoomCompositeEgress (secrets masked here, sent in full):');
const json = request.toJson();
const s3 = json.fileOutputs[0].s3;
for (const key of ['secret', 'accessKey']) s3[key] = mask(s3[key]);
console.log(JSON.stringify(json, null, 2).replace(/^/gm, '  '));
console.log(`  → egress ${egress.egressId} ${['STARTING', 'ACTIVE'][egress.status] ?? egress.status} for room "${egress.roomName}"`);

step('auto-recorder log');
await new Promise((r) => setTimeout(r, 50));
const { code } = await recorder.stop('SIGTERM');
process.stdout.write(recorder.output.replace(/^/gm, '  │ '));
await standin.stop();

const ok = answer.status === 200 && standin.egresses.length === 1 && code === 0 && standin.strictErrors.length === 0;
step(ok ? 'Room recorded end to end: one webhook, one egress, clean shutdown.' : 'Demo FAILED');
process.exit(ok ? 0 : 1);
