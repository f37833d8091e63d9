// The Kubernetes manifests render with kubectl's built-in Kustomize into a Deployment whose
// probes, ports and configuration wiring work with the real binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { startRecorder, tempDir, freePort } from '../integration/lib/recorder.mjs';
import { RedisServer } from '../integration/lib/redis.mjs';

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

// Every object validated against its Kubernetes (or Prometheus Operator) schema.
const MODELS = { ConfigMap, Service, Deployment, PodDisruptionBudget, NetworkPolicy, ServiceMonitor };

function render(overlay, root = ROOT) {
  const out = execFileSync('kubectl', ['kustomize', join(root, overlay)], { encoding: 'utf8' });
  const objects = parseAllDocuments(out).map((doc) => doc.toJS());
  for (const object of objects) {
    const Model = MODELS[object.kind];
    assert.ok(Model, `no schema for ${object.kind}`);
    new Model(object).validate(); // throws, naming the field, on any schema error
  }
  return objects;
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
  const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
  const seconds = (d) => Number(d.replace(/s$/, ''));
  assert.ok(pod.terminationGracePeriodSeconds > seconds(env.SHUTDOWN_DELAY) + 10,
    'grace period above shutdown_delay plus the 10 s shutdown drain');
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  assert.equal(container.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
  assert.ok(container.resources.requests.memory && container.resources.limits.memory);
  const annotations = deployment.spec.template.metadata.annotations;
  assert.equal(annotations['prometheus.io/scrape'], 'true');
  assert.equal(Number(annotations['prometheus.io/port']), http.containerPort);

  const labels = deployment.spec.template.metadata.labels;
  const [pdb] = find(objects, 'PodDisruptionBudget');
  assert.deepEqual(pdb.spec.selector.matchLabels, labels);
  assert.equal(pdb.spec.maxUnavailable, 1, 'a single replica must not block node drains');
  const [policy] = find(objects, 'NetworkPolicy');
  assert.deepEqual(policy.spec.podSelector.matchLabels, labels);
  const sources = policy.spec.ingress[0].from.map((f) => f.namespaceSelector.matchLabels['kubernetes.io/metadata.name']);
  assert.deepEqual(sources, ['livekit', 'monitoring'], 'webhooks only from LiveKit, scrapes from monitoring');
  assert.equal(policy.spec.ingress[0].ports[0].port, 'http');

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

test('overlays/ha: three replicas spread over nodes, Redis settings from a Secret, at most one down at a time', async () => {
  const objects = render('overlays/ha');
  const { deployment, pod, container } = checkDeployment(objects);
  assert.equal(deployment.spec.replicas, 3);
  assert.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0, 'roll out without dropping below 3');
  const [term] = pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
  assert.equal(term.podAffinityTerm.topologyKey, 'kubernetes.io/hostname');
  assert.deepEqual(term.podAffinityTerm.labelSelector.matchLabels, deployment.spec.template.metadata.labels);
  assert.deepEqual(container.envFrom, [{ secretRef: { name: 'auto-recorder-redis' } }]);

  // The Secret's keys are variable names: with a real Redis behind them, the pod's environment
  // starts a replica that coordinates.
  const redis = await new RedisServer().start();
  const values = Object.fromEntries(container.env.map((e) => [e.name, e.value ?? `from-secret-${e.valueFrom.secretKeyRef.key}`]));
  const secret = { REDIS_ADDRESS: `127.0.0.1:${redis.port}` };
  const recorder = await startRecorder({ env: { ...secret, ...values, RECONCILE_INTERVAL: '0', PORT: String(await freePort()) } });
  try {
    await recorder.waitForOutput(/Redis reachable/);
    const ready = JSON.parse(recorder.lines(/auto-recorder ready/)[0]);
    assert.notEqual(ready.replica, 'alone');
  } finally {
    assert.equal((await recorder.stop()).code, 0);
    await redis.stop();
  }
});

test('overlays/prometheus-operator adds a ServiceMonitor that selects the Service', async () => {
  const objects = render('overlays/prometheus-operator');
  checkDeployment(objects);
  const [monitor] = find(objects, 'ServiceMonitor');
  const [service] = find(objects, 'Service');
  for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels)) assert.equal(service.metadata.labels[k], v);
  assert.equal(monitor.spec.endpoints[0].port, service.spec.ports[0].name);
  assert.equal(monitor.spec.endpoints[0].path, '/metrics');
});

test('changing config.yaml changes the ConfigMap name the pods mount, so they roll', async () => {
  const copy = join(tempDir(), 'kubernetes');
  cpSync(ROOT, copy, { recursive: true });
  const before = find(render('overlays/config-file', copy), 'ConfigMap')[0].metadata.name;
  const configPath = join(copy, 'overlays/config-file/config.yaml');
  writeFileSync(configPath, readFileSync(configPath, 'utf8').replace('layout: "grid"', 'layout: "speaker"'));
  const objects = render('overlays/config-file', copy);
  const after = find(objects, 'ConfigMap')[0].metadata.name;
  assert.notEqual(after, before);
  assert.equal(find(objects, 'Deployment')[0].spec.template.spec.volumes[0].configMap.name, after);
});
