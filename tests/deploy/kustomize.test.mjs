// The Kubernetes manifests render with kubectl's built-in Kustomize into a Deployment whose
// probes, ports and configuration wiring work with the real binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { startRecorder, tempDir, freePort } from '../integration/lib/recorder.mjs';

const ROOT = new URL('../../deploy/kubernetes/', import.meta.url).pathname;

function kubectlAvailable() {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

if (!kubectlAvailable()) {
  // ctest reports this file as skipped (SKIP_REGULAR_EXPRESSION), not passed.
  console.log('SKIPPED: kubectl is not installed, so the manifests cannot be rendered');
  process.exit(0);
}

function render(overlay) {
  const out = execFileSync('kubectl', ['kustomize', join(ROOT, overlay)], { encoding: 'utf8' });
  return parseAllDocuments(out).map((doc) => doc.toJS());
}

const find = (objects, kind) => objects.filter((o) => o.kind === kind);

function checkDeployment(objects) {
  const [deployment] = find(objects, 'Deployment');
  assert.ok(deployment, 'a Deployment');
  assert.equal(deployment.metadata.name, 'livekit-auto-recorder');
  const pod = deployment.spec.template.spec;
  const [container] = pod.containers;
  assert.equal(container.image, 'your-registry/livekit-auto-recorder:latest');
  const http = container.ports.find((p) => p.name === 'http');
  assert.equal(http.containerPort, 8080);
  assert.equal(container.readinessProbe.httpGet.path, '/readyz');
  assert.equal(container.livenessProbe.httpGet.path, '/livez');
  for (const probe of [container.readinessProbe, container.livenessProbe]) {
    assert.ok(container.ports.some((p) => p.name === probe.httpGet.port), 'probe port is a declared port');
  }
  assert.deepEqual(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels);
  assert.ok(pod.terminationGracePeriodSeconds > 10, 'grace period above the 10 s shutdown drain');
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);

  const [service] = find(objects, 'Service');
  assert.equal(service.spec.ports[0].port, 8080);
  assert.equal(service.spec.ports[0].targetPort, 'http');
  assert.deepEqual(service.spec.selector, deployment.spec.template.metadata.labels);
  return { deployment, pod, container };
}

test('overlays/config-file: config.yaml in a ConfigMap, mounted where CONFIG_FILE points', async () => {
  const objects = render('overlays/config-file');
  const { pod, container } = checkDeployment(objects);
  const [configMap] = find(objects, 'ConfigMap');
  assert.match(configMap.metadata.name, /^auto-recorder-config-[a-z0-9]+$/, 'hash suffix rolls pods on change');
  const volume = pod.volumes.find((v) => v.configMap?.name === configMap.metadata.name);
  assert.ok(volume, 'the pod mounts the generated ConfigMap');
  const mount = container.volumeMounts.find((m) => m.name === volume.name);
  const configFile = container.env.find((e) => e.name === 'CONFIG_FILE').value;
  assert.equal(configFile, `${mount.mountPath}/config.yaml`);
  assert.ok(configMap.data['config.yaml']);
  assert.equal(container.envFrom[0].secretRef.name, 'auto-recorder-secrets');

  // The shipped config.yaml is one the binary accepts: mount it the same way and start.
  const dir = tempDir();
  mkdirSync(join(dir, 'etc'));
  writeFileSync(join(dir, 'etc', 'config.yaml'), configMap.data['config.yaml']);
  const port = await freePort();
  const recorder = await startRecorder({
    env: { CONFIG_FILE: join(dir, 'etc', 'config.yaml'), PORT: String(port), LIVEKIT_API_KEY: 'APIk', LIVEKIT_API_SECRET: 'sec', LOG_FORMAT: 'text' },
  });
  try {
    assert.match(recorder.output, /storage=s3/);
    assert.match(recorder.output, /config=.*config\.yaml \+ environment/);
    assert.equal((await fetch(`${recorder.url}/readyz`)).status, 200);
  } finally {
    assert.equal((await recorder.stop()).code, 0);
  }
});

test('overlays/env: the seed\'s environment variables, secrets from a Secret', async () => {
  const objects = render('overlays/env');
  const { container } = checkDeployment(objects);
  const env = Object.fromEntries(container.env.map((e) => [e.name, e]));
  assert.deepEqual(env.LIVEKIT_API_KEY.valueFrom.secretKeyRef, { name: 'livekit-secrets', key: 'api-key' });
  assert.deepEqual(env.LIVEKIT_API_SECRET.valueFrom.secretKeyRef, { name: 'livekit-secrets', key: 'api-secret' });
  assert.equal(env.S3_BUCKET.value, 'my-recordings-bucket');
  assert.equal(find(objects, 'ConfigMap').length, 0);

  // Those variables, with the Secret's values filled in, make a configuration that starts.
  const values = Object.fromEntries(container.env.map((e) => [e.name, e.value ?? `from-secret-${e.valueFrom.secretKeyRef.key}`]));
  const recorder = await startRecorder({ env: { ...values, PORT: String(await freePort()) } });
  try {
    const ready = JSON.parse(recorder.lines(/auto-recorder ready/)[0]);
    assert.equal(ready.livekit, 'http://livekit-server.livekit.svc.cluster.local:7880');
    assert.equal(ready.storage, 's3');
    assert.equal((await fetch(`${recorder.url}/livez`)).status, 200);
  } finally {
    assert.equal((await recorder.stop()).code, 0);
  }
});
