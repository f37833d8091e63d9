// Every storage provider, configured through the environment (the seed's variables) and through
// YAML, reaches LiveKit as the upload the protocol defines: the stand-in parses each request
// with @livekit/protocol in strict mode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LiveKitStandIn } from './lib/standin.mjs';
import { startRecorder, baseEnv, tempDir } from './lib/recorder.mjs';
import { sendEvent } from './lib/webhooks.mjs';

// Each test's own limit, so that a hang names the test (ctest's limit names only the file).
const timeout = 60_000;

let standin;
before(async () => { standin = await new LiveKitStandIn().start(); });
after(async () => {
  assert.deepEqual(standin.strictErrors, [], 'every request must parse strictly');
  await standin.stop();
});

const lk = () => ({ LIVEKIT_HOST: standin.url, LIVEKIT_API_KEY: standin.apiKey, LIVEKIT_API_SECRET: standin.apiSecret });

// Starts a recorder, sends room_started for `room`, and returns the file output LiveKit received.
async function recordOnce({ env, config, room }) {
  const recorder = await startRecorder({ env, config });
  try {
    assert.equal((await sendEvent(recorder, 'room_started', { room: { name: room } })).status, 200);
    await recorder.waitForRecorded(standin, room);
    const [request] = standin.startRequests().filter((r) => r.roomName === room);
    assert.ok(request, `a StartRoomCompositeEgress for ${room}`);
    assert.equal(request.fileOutputs.length, 1);
    return { request, file: request.fileOutputs[0], recorder };
  } finally {
    await recorder.stop();
  }
}

test('S3 from the seed variables: S3_BUCKET, S3_ACCESS_KEY, S3_SECRET, S3_SESSION_TOKEN, S3_REGION, S3_ENDPOINT', { timeout }, async () => {
  const { file } = await recordOnce({
    room: 's3-env',
    env: { ...lk(), S3_BUCKET: 'rec-bucket', S3_ACCESS_KEY: 'AKIAEXAMPLE', S3_SECRET: 's3-secret-value',
      S3_SESSION_TOKEN: 'session-tok', S3_REGION: 'eu-central-1', S3_ENDPOINT: 'http://minio:9000' },
  });
  assert.equal(file.output.case, 's3');
  const s3 = file.output.value;
  assert.equal(s3.bucket, 'rec-bucket');
  assert.equal(s3.accessKey, 'AKIAEXAMPLE');
  assert.equal(s3.secret, 's3-secret-value');
  assert.equal(s3.sessionToken, 'session-tok');
  assert.equal(s3.region, 'eu-central-1');
  assert.equal(s3.endpoint, 'http://minio:9000');
});

test('S3 with an IAM role: no keys are sent', { timeout }, async () => {
  const { file } = await recordOnce({ room: 's3-iam', env: { ...lk(), S3_BUCKET: 'iam-bucket', S3_REGION: 'us-east-1' } });
  assert.equal(file.output.value.accessKey, '');
  assert.equal(file.output.value.secret, '');
  assert.equal(file.output.value.bucket, 'iam-bucket');
});

test('S3 from YAML with every field, proxy passed through, retry keys warned about', { timeout }, async () => {
  const { file, recorder } = await recordOnce({
    room: 's3-yaml',
    env: { ...lk(), MINIO_PASSWORD: 'minio-secret' },
    config: `
storage:
  s3:
    bucket: "yaml-bucket"
    access_key: "minio"
    secret: "\${MINIO_PASSWORD}"
    session_token: "tok"
    region: "us-east-1"
    endpoint: "http://minio.minio.svc:9000"
    force_path_style: true
    metadata:
      tenant: "acme"
      kind: "class"
    tagging: "team=a&kind=class"
    content_disposition: "attachment"
    assume_role_arn: "arn:aws:iam::123456789012:role/egress"
    assume_role_external_id: "ext-1"
    proxy_config:
      url: "http://proxy.example.com:8080"
      username: "proxy-user"
      password: "proxy-pass"
    max_retries: 3
    max_retry_delay: "5s"
    min_retry_delay: "500ms"
    aws_log_level: "LogOff"
`,
  });
  const s3 = file.output.value;
  assert.equal(s3.bucket, 'yaml-bucket');
  assert.equal(s3.secret, 'minio-secret');
  assert.equal(s3.forcePathStyle, true);
  assert.deepEqual({ ...s3.metadata }, { tenant: 'acme', kind: 'class' });
  assert.equal(s3.tagging, 'team=a&kind=class');
  assert.equal(s3.contentDisposition, 'attachment');
  assert.equal(s3.assumeRoleArn, 'arn:aws:iam::123456789012:role/egress');
  assert.equal(s3.assumeRoleExternalId, 'ext-1');
  assert.equal(s3.proxy.url, 'http://proxy.example.com:8080');
  assert.equal(s3.proxy.username, 'proxy-user');
  assert.equal(s3.proxy.password, 'proxy-pass');
  const warnings = recorder.lines(/max_retries/);
  assert.equal(warnings.length, 1, 'one warning naming the egress-side retry keys');
  assert.match(warnings[0], /storage\.s3\.max_retries, storage\.s3\.max_retry_delay, storage\.s3\.min_retry_delay, storage\.s3\.aws_log_level ignored/);
  assert.ok(!recorder.output.includes('proxy-pass') && !recorder.output.includes('minio-secret'));
});

test('Azure from the seed variables: AZURE_STORAGE_ACCOUNT, AZURE_STORAGE_KEY, AZURE_CONTAINER_NAME', { timeout }, async () => {
  const { file } = await recordOnce({
    room: 'azure-env',
    env: { ...lk(), AZURE_STORAGE_ACCOUNT: 'acct', AZURE_STORAGE_KEY: 'azure-key==', AZURE_CONTAINER_NAME: 'recordings' },
  });
  assert.equal(file.output.case, 'azure');
  assert.deepEqual(
    { n: file.output.value.accountName, k: file.output.value.accountKey, c: file.output.value.containerName },
    { n: 'acct', k: 'azure-key==', c: 'recordings' },
  );
});

test('Azure from YAML', { timeout }, async () => {
  const { file } = await recordOnce({
    room: 'azure-yaml',
    env: lk(),
    config: 'storage:\n  azure:\n    account_name: yacct\n    account_key: ykey\n    container_name: ybox\n',
  });
  assert.equal(file.output.case, 'azure');
  assert.equal(file.output.value.containerName, 'ybox');
});

const GCP_KEY = JSON.stringify({ type: 'service_account', project_id: 'p', private_key: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n', client_email: 'egress@p.iam.gserviceaccount.com' });

test('GCP from the seed variables: GOOGLE_APPLICATION_CREDENTIALS as a file path, GCP_BUCKET', { timeout }, async () => {
  const dir = tempDir();
  const path = join(dir, 'key.json');
  writeFileSync(path, GCP_KEY);
  const { file } = await recordOnce({ room: 'gcp-env-path', env: { ...lk(), GOOGLE_APPLICATION_CREDENTIALS: path, GCP_BUCKET: 'gcs-bucket' } });
  assert.equal(file.output.case, 'gcp');
  assert.equal(file.output.value.bucket, 'gcs-bucket');
  assert.equal(file.output.value.credentials, GCP_KEY, 'egress gets the JSON content, not the path');
});

test('GCP with GOOGLE_APPLICATION_CREDENTIALS holding the JSON itself', { timeout }, async () => {
  const { file } = await recordOnce({ room: 'gcp-env-json', env: { ...lk(), GOOGLE_APPLICATION_CREDENTIALS: GCP_KEY, GCP_BUCKET: 'gcs-bucket' } });
  assert.deepEqual(JSON.parse(file.output.value.credentials), JSON.parse(GCP_KEY));
});

test('GCP from YAML with credentials_json and a proxy', { timeout }, async () => {
  const dir = tempDir();
  const path = join(dir, 'key.json');
  writeFileSync(path, GCP_KEY);
  const { file } = await recordOnce({
    room: 'gcp-yaml',
    env: lk(),
    config: `storage:\n  gcp:\n    credentials_json: "${path}"\n    bucket: ygcs\n    proxy_config:\n      url: "http://proxy:3128"\n`,
  });
  assert.equal(file.output.value.bucket, 'ygcs');
  assert.equal(file.output.value.credentials, GCP_KEY);
  assert.equal(file.output.value.proxy.url, 'http://proxy:3128');
});

test('AliOSS from the seed variables: ALIOSS_ACCESS_KEY, ALIOSS_SECRET, ALIOSS_REGION, ALIOSS_BUCKET, ALIOSS_ENDPOINT', { timeout }, async () => {
  const { file } = await recordOnce({
    room: 'oss-env',
    env: { ...lk(), ALIOSS_ACCESS_KEY: 'LTAI', ALIOSS_SECRET: 'oss-secret', ALIOSS_REGION: 'oss-cn-hangzhou', ALIOSS_BUCKET: 'oss-bucket', ALIOSS_ENDPOINT: 'https://oss-cn-hangzhou.aliyuncs.com' },
  });
  assert.equal(file.output.case, 'aliOSS');
  const oss = file.output.value;
  assert.deepEqual([oss.accessKey, oss.secret, oss.region, oss.bucket, oss.endpoint],
    ['LTAI', 'oss-secret', 'oss-cn-hangzhou', 'oss-bucket', 'https://oss-cn-hangzhou.aliyuncs.com']);
});

test('AliOSS from YAML', { timeout }, async () => {
  const { file } = await recordOnce({
    room: 'oss-yaml',
    env: lk(),
    config: 'storage:\n  alioss:\n    access_key: a\n    secret: s\n    region: r\n    bucket: yb\n',
  });
  assert.equal(file.output.case, 'aliOSS');
  assert.equal(file.output.value.bucket, 'yb');
});

test('environment variables override the YAML file', { timeout }, async () => {
  const { file, request } = await recordOnce({
    room: 'override',
    env: { ...lk(), S3_BUCKET: 'env-bucket', LAYOUT: 'speaker-light' },
    config: 'layout: grid-dark\nstorage:\n  s3:\n    bucket: yaml-bucket\n    region: yaml-region\n',
  });
  assert.equal(file.output.value.bucket, 'env-bucket');
  assert.equal(file.output.value.region, 'yaml-region');
  assert.equal(request.layout, 'speaker-light');
});

// STORAGE=egress: the request carries no upload, so egress uploads where its own configuration
// says, and the storage credentials live only in egress's config.
test('STORAGE=egress: no upload in the request; egress\'s own storage takes the file', { timeout }, async () => {
  standin.egressStorage = { case: 's3', bucket: 'egress-own-bucket' };
  try {
    const { file, recorder } = await recordOnce({ room: 'egress-storage', env: { ...lk(), STORAGE: 'egress' } });
    assert.equal(file.output.case, undefined, 'no s3, azure, gcp or aliOSS upload in the request');
    assert.equal(file.filepath, 'recordings/{room_name}-{time}', 'the path template still goes to egress');
    const [egress] = standin.startsFor('egress-storage');
    const info = standin.egresses.find((e) => e.egressId === egress.egressId);
    assert.equal(info.fileResults[0].location, `s3://egress-own-bucket/${file.filepath}`);
    assert.match(recorder.output, /storage=egress/, 'the ready line says where recordings go');
  } finally {
    standin.egressStorage = null;
  }
});

test('GCP without a key: egress uses its Application Default Credentials (Workload Identity)', { timeout }, async () => {
  const { file } = await recordOnce({ room: 'gcp-adc', env: { ...lk(), GCP_BUCKET: 'adc-bucket' } });
  assert.equal(file.output.case, 'gcp');
  assert.equal(file.output.value.bucket, 'adc-bucket');
  assert.equal(file.output.value.credentials, '', 'no credentials sent');
});

// The whole configuration in one variable, as livekit-server's LIVEKIT_CONFIG and egress's
// EGRESS_CONFIG_BODY: a ConfigMap key as an env var, no volume.
test('AUTO_RECORDER_CONFIG_BODY carries the YAML; the environment still overrides it', { timeout }, async () => {
  const body = 'layout: speaker\nfile_type: ogg\nstorage:\n  s3:\n    bucket: body-bucket\n    region: eu-west-1\n';
  const { request, file, recorder } = await recordOnce({
    room: 'config-body', env: { ...lk(), AUTO_RECORDER_CONFIG_BODY: body, S3_REGION: 'from-env' },
  });
  assert.equal(request.layout, 'speaker');
  assert.equal(file.output.value.bucket, 'body-bucket');
  assert.equal(file.output.value.region, 'from-env');
  assert.match(recorder.output, /config="\$AUTO_RECORDER_CONFIG_BODY \+ environment"/);
});
