// What ships: deploy/Dockerfile built for real (buildah, no daemon, bases from debootstrap), then
// its binary run from the image's own file system, as the image's user, the way the Kubernetes
// manifests start it, against the LiveKit stand-in on loopback.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Buildah, baseImages, inContainer, missingPrerequisites } from './lib/buildah.mjs';
import { find, podVolumes, render } from '../deploy/lib/manifests.mjs';
import { LiveKitStandIn } from '../integration/lib/standin.mjs';
import { BINARY, freePort, runToExit, startRecorder, tempDir } from '../integration/lib/recorder.mjs';
import { sendEvent } from '../integration/lib/webhooks.mjs';

// Each test's own limit, so that a hang names the test (ctest's limit names only the file).
const timeout = 900_000;

const REPO = new URL('../..', import.meta.url).pathname;
const DOCKERFILE = join(REPO, 'deploy/Dockerfile');
const WORK = process.env.IMAGE_WORK_DIR ?? join(REPO, 'build/image');
const IMAGE = 'localhost/auto-recorder:image-test';

const missing = missingPrerequisites();
if (missing) throw new Error(missing);

const buildah = new Buildah(WORK);
let config; // the image's OCI configuration
let image; // the mounted image: { root, remove }
let base; // the mounted runtime base (debian:12-slim): { root, remove }
let standin;

before(async () => {
  const started = Date.now();
  const bases = baseImages(DOCKERFILE);
  assert.deepEqual(bases, ['debian:12', 'debian:12-slim'], 'the bases this test knows how to make');
  for (const step of buildah.ensureBases(bases)) console.log(`base: ${step}`);
  const basesMs = Date.now() - started;
  buildah.build({ dockerfile: DOCKERFILE, context: REPO, tag: IMAGE });
  console.log(`bases ready in ${(basesMs / 1000).toFixed(1)} s, image built in ${((Date.now() - started - basesMs) / 1000).toFixed(1)} s`);
  config = buildah.config(IMAGE);
  image = buildah.mount(IMAGE);
  base = buildah.mount(`docker.io/library/${bases.at(-1)}`);
  // LiveKit with the manifest's API key; the Secret holds its secret (podCommand).
  const [container] = deployment().spec.template.spec.containers;
  standin = await new LiveKitStandIn({ apiKey: container.env.find((e) => e.name === 'LIVEKIT_API_KEY').value }).start();
});

after(async () => {
  image?.remove();
  base?.remove();
  await standin?.stop();
});

// The env overlay, rendered as `kubectl apply -k` would apply it.
function manifests() {
  return render(join(REPO, 'deploy/kubernetes/overlays/env'));
}
function deployment() {
  return find(manifests(), 'Deployment')[0];
}

// The container's environment as the kubelet gives it: the image's, then the manifest's.
// LIVEKIT_HOST points at the stand-in instead of the cluster's Service, and PORT at a free port
// on this shared loopback: the two differences.
function containerEnv(container, port) {
  const env = Object.fromEntries(config.Env.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
  for (const { name, value, valueFrom } of container.env) {
    assert.equal(valueFrom, undefined, `${name}: secrets are files of the Secret, not variables`);
    env[name] = value;
  }
  return { ...env, LIVEKIT_HOST: standin.url, PORT: String(port) };
}

// Runs the image's entrypoint the way the manifest does: its user, the image's working
// directory, the root file system read-only, and the Secret "livekit-auto-recorder" as
// `kubectl create secret generic` makes it (docs/operations.md), mounted as the kubelet mounts
// it: one file per key, readable by the pod's fsGroup.
function podCommand(objects) {
  const pod = find(objects, 'Deployment')[0].spec.template.spec;
  const user = `${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`;
  const volumes = podVolumes(objects, { 'livekit-auto-recorder': { LIVEKIT_API_SECRET: standin.apiSecret } },
    { group: pod.securityContext.fsGroup });
  return inContainer({ root: image.root, mountPoint: join(tempDir(), 'rootfs'), user, workingDir: config.WorkingDir, volumes }, config.Entrypoint);
}

test('the image runs as the non-root user the manifests name', { timeout }, () => {
  const [uid, gid] = config.User.split(':').map(Number);
  assert.ok(Number.isInteger(uid) && uid !== 0, `image user ${config.User} is not root`);
  const pod = deployment().spec.template.spec;
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(pod.securityContext.runAsUser, uid);
  assert.equal(pod.securityContext.runAsGroup, gid);
  assert.equal(pod.containers[0].securityContext.readOnlyRootFilesystem, true);
  assert.equal(config.WorkingDir, '/app');
  assert.deepEqual(config.Entrypoint, ['/usr/local/bin/auto-recorder']);
});

test('the image holds the binary the suite tested: same version and the same build line', { timeout }, async () => {
  const { code, output } = await runToExit({ command: podCommand(manifests()), args: ['--version'] });
  assert.equal(code, 0, output);
  const tested = execFileSync(BINARY, ['--version'], { encoding: 'utf8' });
  const line = (text, name) => text.split('\n').find((l) => l.startsWith(name));
  assert.match(output, /^auto-recorder \d+\.\d+\.\d+\n/);
  assert.equal(output.split('\n')[0], tested.split('\n')[0]);
  // Build type, flags, compiler and static libraries: a difference means CI tested another build.
  assert.equal(line(output, 'build:'), line(tested, 'build:'), 'the image is built with other flags than the tested binary');
  assert.match(line(output, 'build:'), /^build: Release /);
  assert.match(line(output, 'openssl:'), /^openssl: OpenSSL 3\./);
});

test('OCI labels: version from the build, Apache-2.0, source and base', { timeout }, () => {
  const labels = config.Labels;
  const version = execFileSync(BINARY, ['--version'], { encoding: 'utf8' }).split('\n')[0].split(' ')[1];
  assert.equal(labels['org.opencontainers.image.version'], version, "the Dockerfile's ARG VERSION differs from CMakeLists.txt's project version");
  assert.equal(labels['org.opencontainers.image.licenses'], 'Apache-2.0');
  assert.match(readFileSync(join(REPO, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0/);
  assert.ok('org.opencontainers.image.source' in labels);
  assert.equal(labels['org.opencontainers.image.base.name'], 'docker.io/library/debian:12-slim');
  assert.equal(labels['org.opencontainers.image.title'], 'auto-recorder');
});

test("every library the binary loads is in the image, from a Debian package; OpenSSL is Debian's libssl3", { timeout }, () => {
  const ldd = execFileSync('chroot', [image.root, '/usr/bin/ldd', config.Entrypoint[0]], { encoding: 'utf8' });
  assert.doesNotMatch(ldd, /not found/, ldd);
  const owners = new Map();
  for (const [, name, path] of ldd.matchAll(/^\s*(\S+)(?: => (\S+))? \(0x/gm)) {
    if (name === 'linux-vdso.so.1') continue; // the kernel's, not a file
    const file = path ?? name;
    const owner = [file, file.startsWith('/usr/') ? file.slice(4) : `/usr${file}`]
      .map((candidate) => { try { return execFileSync('chroot', [image.root, 'dpkg', '-S', candidate], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }); } catch { return null; } })
      .find(Boolean);
    assert.ok(owner, `${file} belongs to no Debian package of the image, so scanners cannot see it`);
    owners.set(name, owner.split(':')[0]);
  }
  assert.equal(owners.get('libssl.so.3'), 'libssl3');
  assert.equal(owners.get('libcrypto.so.3'), 'libssl3');
  console.log(`shared libraries: ${[...owners].map(([lib, pkg]) => `${lib} (${pkg})`).join(', ')}`);
  const added = Buildah.treeBytes(image.root) - Buildah.treeBytes(base.root);
  const binary = Number(execFileSync('stat', ['-c', '%s', join(image.root, config.Entrypoint[0])], { encoding: 'utf8' }));
  // Reported, not asserted: the local base is a debootstrap minbase, larger than debian:12-slim.
  console.log(`the runtime stage adds ${(added / 1e6).toFixed(1)} MB to its base (${(Buildah.treeBytes(base.root) / 1e6).toFixed(0)} MB here), of which the binary is ${(binary / 1e6).toFixed(1)} MB`);
});

test('--check-config works with an environment-only configuration and the mounted Secret', { timeout }, async () => {
  const objects = manifests();
  const [container] = find(objects, 'Deployment')[0].spec.template.spec.containers;
  const env = containerEnv(container, await freePort());
  const { code, output } = await runToExit({ command: podCommand(objects), env, args: ['--check-config'], secrets: [standin.apiSecret] });
  assert.equal(code, 0, output);
  assert.match(output, /# effective configuration \(environment only \(no config.yaml\)\)/);
  assert.match(output, /^livekit_api_secret: <redacted> +# \$LIVEKIT_API_SECRET_FILE$/m);
  assert.match(output, /my-recordings-bucket/);
  assert.match(output, /# configuration is valid/);
});

test('a room is recorded end to end by the image, started as the manifest starts it', { timeout }, async () => {
  const objects = manifests();
  const spec = find(objects, 'Deployment')[0].spec.template.spec;
  const [container] = spec.containers;
  const env = containerEnv(container, await freePort());
  const recorder = await startRecorder({ command: podCommand(objects), env, secrets: [standin.apiSecret] });
  // LiveKit signs webhooks with its key's secret: the one in the Secret's file.
  recorder.webhookAuth = { apiKey: standin.apiKey, apiSecret: standin.apiSecret };
  try {
    // The process really runs as the manifest's user, not as root.
    const status = readFileSync(`/proc/${recorder.child.pid}/status`, 'utf8');
    assert.match(status, new RegExp(`^Uid:\\s+${spec.securityContext.runAsUser}\\s`, 'm'));
    assert.match(status, new RegExp(`^Gid:\\s+${spec.securityContext.runAsGroup}\\s`, 'm'));
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      const res = await fetch(`${recorder.url}${probe.httpGet.path}`);
      assert.equal(res.status, 200, `${probe.httpGet.path} answers ${res.status}`);
    }
    const room = standin.addRoom('image-room');
    const answer = await sendEvent(recorder, 'room_started', { room: { name: room.name, sid: room.sid } });
    assert.equal(answer.status, 200, answer.text);
    await standin.waitForStarts(1);
    const [request] = standin.startRequests().filter((r) => r.roomName === 'image-room');
    assert.equal(request.fileOutputs[0].output.value.bucket, 'my-recordings-bucket');
    assert.equal(request.fileOutputs[0].output.value.region, 'us-east-1');
    // log: LOG_FORMAT=json from the manifest; the JSON lines are the behaviour
    await recorder.waitForLogLine(/"msg":"recording started"[^\n]*"room":"image-room"/);
    // LOG_FORMAT=json from the manifest: every line is one JSON object.
    for (const line of recorder.output.trim().split('\n')) JSON.parse(line);
  } finally {
    const { code } = await recorder.stop();
    assert.equal(code, 0, 'SIGTERM ends the process cleanly within the grace period');
  }
  assert.deepEqual(standin.strictErrors, []);
});
