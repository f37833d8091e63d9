// Bad configuration stops the service at startup with exit code 1 and one message that names
// the setting and the fix, and never prints a secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import net from 'node:net';
import { runToExit, tempDir } from './lib/recorder.mjs';

// Each test's own limit, so that a hang names the test (ctest's limit names only the file).
const timeout = 60_000;

const SECRET = 'super-secret-value-7f3a';
const LK = { LIVEKIT_API_KEY: 'APIkey', LIVEKIT_API_SECRET: SECRET };

async function refuses(options, expected) {
  const { code, output } = await runToExit(options);
  assert.equal(code, 1, `exit code for:\n${output}`);
  assert.match(output, /^auto-recorder: configuration error: /m);
  for (const pattern of [].concat(expected)) assert.match(output, pattern);
  assert.ok(!output.includes(SECRET), 'a secret was printed');
  return output;
}

const cases = [
  ['no storage provider', { env: LK }, /No storage provider configured/],
  ['two storage providers', { env: { ...LK, S3_BUCKET: 'b', AZURE_STORAGE_ACCOUNT: 'a' } },
    /Only one storage provider can be configured, found s3 \(storage\.s3\.bucket \(S3_BUCKET\) set by \$S3_BUCKET\); azure \(storage\.azure\.account_name \(AZURE_STORAGE_ACCOUNT\) set by \$AZURE_STORAGE_ACCOUNT\)/],
  ['a stray GOOGLE_APPLICATION_CREDENTIALS beside S3 is named', { env: { ...LK, S3_BUCKET: 'b', GOOGLE_APPLICATION_CREDENTIALS: '/var/run/gcp.json' } },
    /found s3 \(.*\); gcp \(storage\.gcp\.credentials_json \(GOOGLE_APPLICATION_CREDENTIALS\) set by \$GOOGLE_APPLICATION_CREDENTIALS\)/],
  ['storage: egress beside a provider', { env: { ...LK, STORAGE: 'egress', S3_BUCKET: 'b' } },
    /storage \(STORAGE\) is egress \(egress uploads with its own storage\) but storage\.s3 is configured too \(storage\.s3\.bucket \(S3_BUCKET\) set by \$S3_BUCKET\); remove one of them/],
  ['storage: something else', { env: { ...LK, STORAGE: 's3' } },
    /storage \(STORAGE\) must be egress or unset/],
  ['two providers, one in YAML and one in env', { env: { ...LK, GCP_BUCKET: 'g' }, config: 'storage:\n  alioss:\n    bucket: b\n' },
    /Only one storage provider can be configured, found gcp \(.*\$GCP_BUCKET\); alioss \(storage\.alioss\.bucket \(ALIOSS_BUCKET\) set by .*test-config\.yaml\)/],
  ['S3 without bucket', { env: { ...LK, S3_REGION: 'r' } }, /storage\.s3\.bucket \(S3_BUCKET\) is required for S3 storage/],
  ['S3 access key without secret', { env: { ...LK, S3_BUCKET: 'b', S3_ACCESS_KEY: 'AKIA' } },
    /storage\.s3\.access_key \(S3_ACCESS_KEY\) and storage\.s3\.secret \(S3_SECRET\) go together/],
  ['S3 secret without access key', { env: { ...LK, S3_BUCKET: 'b', S3_SECRET: SECRET } }, /go together/],
  ['Azure without account', { env: { ...LK, AZURE_STORAGE_KEY: SECRET, AZURE_CONTAINER_NAME: 'c' } },
    /storage\.azure\.account_name \(AZURE_STORAGE_ACCOUNT\) is required for Azure storage/],
  ['Azure without key', { env: { ...LK, AZURE_STORAGE_ACCOUNT: 'a', AZURE_CONTAINER_NAME: 'c' } },
    /storage\.azure\.account_key \(AZURE_STORAGE_KEY\) is required/],
  ['Azure without container', { env: { ...LK, AZURE_STORAGE_ACCOUNT: 'a', AZURE_STORAGE_KEY: SECRET } },
    /storage\.azure\.container_name \(AZURE_CONTAINER_NAME\) is required/],
  ['GCP without bucket', { env: { ...LK, GOOGLE_APPLICATION_CREDENTIALS: '{"type":"service_account"}' } },
    /storage\.gcp\.bucket \(GCP_BUCKET\) is required/],
  ['GCP credentials file missing', { env: { ...LK, GCP_BUCKET: 'b', GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/key.json' } },
    /the credentials file \/nonexistent\/key\.json does not exist: check the path/],
  ['GCP credentials inline but broken', { env: { ...LK, GCP_BUCKET: 'b', GOOGLE_APPLICATION_CREDENTIALS: `{"private_key":"${SECRET}"` } },
    /looks like JSON but does not parse \(content not shown\)/],
  ['AliOSS without access key', { env: { ...LK, ALIOSS_SECRET: SECRET, ALIOSS_REGION: 'r', ALIOSS_BUCKET: 'b' } },
    /storage\.alioss\.access_key \(ALIOSS_ACCESS_KEY\) is required for AliOSS storage/],
  ['AliOSS without secret', { env: { ...LK, ALIOSS_ACCESS_KEY: 'a', ALIOSS_REGION: 'r', ALIOSS_BUCKET: 'b' } },
    /storage\.alioss\.secret \(ALIOSS_SECRET\) is required/],
  ['AliOSS without region', { env: { ...LK, ALIOSS_ACCESS_KEY: 'a', ALIOSS_SECRET: SECRET, ALIOSS_BUCKET: 'b' } },
    /storage\.alioss\.region \(ALIOSS_REGION\) is required/],
  ['AliOSS without bucket', { env: { ...LK, ALIOSS_ACCESS_KEY: 'a', ALIOSS_SECRET: SECRET, ALIOSS_REGION: 'r' } },
    /storage\.alioss\.bucket \(ALIOSS_BUCKET\) is required/],
  ['no API key', { env: { LIVEKIT_API_SECRET: SECRET, S3_BUCKET: 'b' } }, /livekit_api_key \(LIVEKIT_API_KEY\) is required/],
  ['no API secret', { env: { LIVEKIT_API_KEY: 'k', S3_BUCKET: 'b' } }, /livekit_api_secret \(LIVEKIT_API_SECRET\) is required/],
  ['webhook key of its own without its secret', { env: { ...LK, S3_BUCKET: 'b', WEBHOOK_API_KEY: 'APIhooks' } },
    /differs from livekit_api_key.*set webhook_api_secret \(WEBHOOK_API_SECRET\)/],
  ['WEBM file type', { env: { ...LK, S3_BUCKET: 'b', FILE_TYPE: 'WEBM' } },
    /WEBM is not a LiveKit file type for room recordings.*use MP4, OGG or MP3/],
  ['unknown file type', { env: { ...LK, S3_BUCKET: 'b', FILE_TYPE: 'mkv' } }, /"mkv" is not a LiveKit file type/],
  ['host that is not a URL', { env: { ...LK, S3_BUCKET: 'b', LIVEKIT_HOST: 'livekit-server:7880' } },
    /livekit_host \(LIVEKIT_HOST\): "livekit-server:7880" is not a LiveKit URL/],
  ['host with a password in it', { env: { ...LK, S3_BUCKET: 'b', LIVEKIT_HOST: `https://admin:${SECRET}@lk.example.com` } },
    /livekit_host \(LIVEKIT_HOST\): user info \(user:password@\) is not allowed in the URL; remove it/],
  ['host with a port that is not a number', { env: { ...LK, S3_BUCKET: 'b', LIVEKIT_HOST: 'http://livekit:78800' } },
    /livekit_host \(LIVEKIT_HOST\): "http:\/\/livekit:78800" is not a LiveKit URL/],
  ['port that is not a number', { env: { ...LK, S3_BUCKET: 'b', PORT: 'http' } }, /listen_port \(PORT\): "http" is not a whole number/],
  ['bad log level', { env: { ...LK, S3_BUCKET: 'b', LOG_LEVEL: 'loud' } }, /log_level \(LOG_LEVEL\)/],
  ['missing CONFIG_FILE', { env: { ...LK, S3_BUCKET: 'b', CONFIG_FILE: '/etc/nope/config.yaml' } },
    /config file \/etc\/nope\/config\.yaml does not exist \(named by CONFIG_FILE\)/],
  ['missing --config', { env: { ...LK, S3_BUCKET: 'b' }, args: ['--config', '/etc/nope.yaml'] },
    /config file \/etc\/nope\.yaml does not exist \(named by --config\)/],
  ['misspelled YAML key', { env: LK, config: 'storage:\n  s3:\n    buckt: b\n' },
    /"storage\.s3\.buckt" is not a known setting: did you mean "storage\.s3\.bucket"\?/],
  ['unset variable in YAML', { env: LK, config: 'storage:\n  s3:\n    bucket: ${RECORDING_BUCKET}\n' },
    /storage\.s3\.bucket: \$\{RECORDING_BUCKET\} is not set/],
  ['YAML that does not parse', { env: LK, config: 'storage: [\n' }, /is not valid YAML: line/],
  ['a Redis password without a Redis', { env: { ...LK, S3_BUCKET: 'b', REDIS_PASSWORD: SECRET } },
    /redis\.password \(REDIS_PASSWORD\) is set, but Redis is off: set redis\.address \(REDIS_ADDRESS\)/],
  ['a Redis URL instead of host:port', { env: { ...LK, S3_BUCKET: 'b', REDIS_ADDRESS: `redis://:${SECRET}@redis:6379` } },
    /redis\.address \(REDIS_ADDRESS\): .* is not host:port: write e\.g\. redis:6379/],
  ['Sentinels without a master name', { env: { ...LK, S3_BUCKET: 'b' }, config: 'redis:\n  sentinel_addresses: [s0:26379, s1:26379]\n' },
    /redis\.sentinel_master_name \(REDIS_SENTINEL_MASTER_NAME\) is required with redis\.sentinel_addresses/],
  // A token a guess could match would guard the ledger in name only.
  ['a one-byte API token', { env: { ...LK, S3_BUCKET: 'b', API_TOKEN: 'a' } },
    /api_token \(API_TOKEN\) is shorter than 16 bytes: give at least 16 random bytes/],
  ['an API token of spaces', { env: { ...LK, S3_BUCKET: 'b', API_TOKEN: ' '.repeat(20) } },
    /api_token \(API_TOKEN\) is only whitespace/],
  ['a 15-byte API token, never quoted', { env: { ...LK, S3_BUCKET: 'b', API_TOKEN: 'tok-15-bytes-xy' } },
    /is shorter than 16 bytes(?![^]*tok-15-bytes-xy)/],
];

for (const [name, options, expected] of cases) {
  test(`refuses to start: ${name}`, { timeout }, async () => { await refuses(options, expected); });
}

test('a port already in use is a clear startup error', { timeout }, async () => {
  const blocker = net.createServer();
  await new Promise((resolve) => blocker.listen(0, '0.0.0.0', resolve));
  const port = String(blocker.address().port);
  try {
    const { code, output } = await runToExit({ env: { ...LK, S3_BUCKET: 'b', PORT: port } });
    assert.equal(code, 1);
    assert.match(output, new RegExp(`cannot listen on port ${port}: .*set listen_port/PORT`));
  } finally {
    blocker.close();
  }
});

test('--help and --version answer and exit 0', { timeout }, async () => {
  const help = await runToExit({ args: ['--help'] });
  assert.equal(help.code, 0);
  assert.match(help.output, /--config/);
  const version = await runToExit({ args: ['--version'] });
  assert.equal(version.code, 0);
  assert.match(version.output, /^auto-recorder \d+\.\d+\.\d+/m);
});

test('./config.yaml in the working directory is read when nothing else is named', { timeout }, async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'config.yaml'), 'file_type: WEBM\n');
  const { code, output } = await runToExit({ env: { ...LK, S3_BUCKET: 'b' }, cwd: dir });
  assert.equal(code, 1);
  assert.match(output, /WEBM is not a LiveKit file type/);
});

// A configuration that is silently not there is worse than none: every path that is not a
// regular file of sensible size stops startup, naming the path and the fix, and never hangs.
test('a config path that is a directory, a device, a FIFO or too large is refused', { timeout }, async () => {
  const dir = tempDir();
  // A ConfigMap mounted without subPath: a directory with one file per key.
  const mounted = join(dir, 'auto-recorder');
  mkdirSync(mounted);
  writeFileSync(join(mounted, 'config.yaml'), 'layout: grid\n');
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const big = join(dir, 'big.yaml');
  writeFileSync(big, `# ${'x'.repeat(1 << 20)}\n`);
  const env = { ...LK, S3_BUCKET: 'b' };
  await refuses({ env: { ...env, CONFIG_FILE: mounted } }, new RegExp(
    `config file ${mounted} is a directory: mounted a ConfigMap without subPath\\? point CONFIG_FILE at the file inside, e\\.g\\. ${mounted}/config\\.yaml`));
  await refuses({ env, args: ['--config', mounted] }, /is a directory: mounted a ConfigMap without subPath\? point --config at/);
  const cwd = tempDir();
  mkdirSync(join(cwd, 'config.yaml'));
  await refuses({ env, cwd }, /config file config\.yaml is a directory: .*point CONFIG_FILE at the file inside/);
  await refuses({ env: { ...env, CONFIG_FILE: '/dev/zero' } }, /config file \/dev\/zero is not a regular file \(a device, FIFO or socket\): point CONFIG_FILE at a file/);
  await refuses({ env: { ...env, CONFIG_FILE: fifo } }, /is not a regular file/);
  await refuses({ env: { ...env, CONFIG_FILE: big } }, /config file .*big\.yaml is larger than 1 MiB/);
});

test('secret files get the same checks', { timeout }, async () => {
  const dir = tempDir();
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const secrets = join(dir, 'secrets');
  mkdirSync(secrets);
  writeFileSync(join(secrets, 'api-secret'), SECRET);
  const env = { LIVEKIT_API_KEY: 'APIkey', S3_BUCKET: 'b' };
  await refuses({ env: { ...env, LIVEKIT_API_SECRET_FILE: '/dev/zero' } }, /LIVEKIT_API_SECRET_FILE: the secret file \/dev\/zero is not a regular file/);
  await refuses({ env: { ...env, LIVEKIT_API_SECRET_FILE: fifo } }, /LIVEKIT_API_SECRET_FILE: the secret file .* is not a regular file/);
  await refuses({ env: { ...env, LIVEKIT_API_SECRET_FILE: secrets } },
    new RegExp(`the secret file ${secrets} is a directory: mounted a Secret without subPath\\? point LIVEKIT_API_SECRET_FILE at the file inside, e\\.g\\. ${secrets}/api-secret`));
  await refuses({ env: { ...LK, GCP_BUCKET: 'b', GOOGLE_APPLICATION_CREDENTIALS: '/dev/zero' } }, /the credentials file \/dev\/zero is not a regular file/);
  await refuses({ env: LK, config: `livekit_api_secret_file: /dev/zero\nstorage: {s3: {bucket: b}}\n` }, /the secret file \/dev\/zero is not a regular file/);
});

test('YAML aliases are refused, so 575 bytes cannot expand to gigabytes', { timeout }, async () => {
  const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i += 1) {
    const prev = String.fromCharCode(96 + i);
    levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  const bomb = `storage: {s3: {bucket: b}}\nx-bomb:\n${levels.map((l) => `  ${l}`).join('\n')}\nrules:\n  - match: {metadata: {k: *i}}\n    record: false\n`;
  const started = Date.now();
  await refuses({ env: LK, config: bomb }, /test-config\.yaml:4: YAML aliases \(\*name\) are not supported: write the value out/);
  assert.ok(Date.now() - started < 5000);
});
