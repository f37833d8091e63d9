// The Kubernetes manifests as a user gets them: an overlay of deploy/kubernetes/base plus
// components, rendered by kubectl's built-in Kustomize, every object validated against its schema.
// Also what the kubelet does with a rendered pod: its Secret and ConfigMap volumes as files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ConfigMap, Namespace, PersistentVolumeClaim, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';

export const REPO = new URL('../../../', import.meta.url).pathname;
export const ROOT = join(REPO, 'deploy/kubernetes');

// The configuration styles (exactly one per overlay) and the optional components.
export const STYLES = ['config-file', 'env'];
export const OPTIONAL = ['ha', 'prometheus-operator', 'network-policy', 'egress-storage', 'ledger-postgres', 'ephemeral-ledger'];
// Components that do not go together: ha removes the ledger's claim already.
export const EXCLUSIVE = [['ha', 'ephemeral-ledger']];

// CMakeLists.txt's project version: what the image is tagged and labelled with.
export const VERSION = readFileSync(join(REPO, 'CMakeLists.txt'), 'utf8').match(/^project\(auto-recorder VERSION ([0-9.]+)/m)[1];

// Whether a command runs (`kubectl version --client`, `promtool --version`).
export function runs(command, ...args) {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// Every object validated against its Kubernetes (or Prometheus Operator) schema.
const MODELS = { Namespace, ServiceAccount, ConfigMap, Service, Deployment, PodDisruptionBudget, PersistentVolumeClaim, NetworkPolicy, ServiceMonitor, PrometheusRule };

// `kubectl kustomize DIR`, parsed and validated.
export function render(dir) {
  return validated(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' }));
}

// Rendered manifests (YAML documents), parsed and each validated against its schema.
export function validated(out) {
  const objects = parseAllDocuments(out).map((doc) => doc.toJS()).filter((o) => o !== null);
  for (const object of objects) {
    const Model = MODELS[object.kind];
    assert.ok(Model, `no schema for ${object.kind}`);
    new Model(object).validate(); // throws, naming the field, on any schema error
  }
  return objects;
}

// An overlay the way docs/operations.md tells a user to write one: the base and a list of
// components, plus optional extra kustomization lines (patches). Returns its directory.
export function overlay(components, { root = ROOT, extra = '', files = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'auto-recorder-overlay-'));
  const lines = [
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources:',
    `  - ${relative(dir, join(root, 'base'))}`,
    'components:',
    ...components.map((c) => `  - ${relative(dir, join(root, 'components', c))}`),
    extra,
  ];
  writeFileSync(join(dir, 'kustomization.yaml'), `${lines.join('\n')}\n`);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

// Every combination of one style and any subset of the optional components that go together.
export function combinations() {
  const subsets = OPTIONAL.reduce((all, c) => [...all, ...all.map((s) => [...s, c])], [[]])
    .filter((subset) => !EXCLUSIVE.some((pair) => pair.every((c) => subset.includes(c))));
  return STYLES.flatMap((style) => subsets.map((subset) => [style, ...subset]));
}

export const find = (objects, kind) => objects.filter((o) => o.kind === kind);

// The pod's Secret, ConfigMap and emptyDir volumes, written as the kubelet would: one file per key, in a
// directory per volume, with the volume's mode. `secrets`: the data of the Secrets by name, as
// `kubectl create secret generic` would hold them (a missing Secret fails, as the pod would).
// `group`: the group that gets the files (the pod's fsGroup), when the caller can chown.
// Returns [{ name, dir, mountPath }] for the container's mounts.
export function podVolumes(objects, secrets, { group } = {}) {
  const [deployment] = find(objects, 'Deployment');
  const pod = deployment.spec.template.spec;
  const base = mkdtempSync(join(tmpdir(), 'auto-recorder-pod-'));
  chmodSync(base, 0o755);
  return pod.containers[0].volumeMounts.map(({ name, mountPath }) => {
    const volume = pod.volumes.find((v) => v.name === name);
    let data;
    let mode;
    if (volume.secret) {
      data = secrets[volume.secret.secretName];
      assert.ok(data, `the pod needs the Secret ${volume.secret.secretName}`);
      mode = volume.secret.defaultMode;
    } else if (volume.configMap) {
      data = find(objects, 'ConfigMap').find((c) => c.metadata.name === volume.configMap.name)?.data;
      assert.ok(data, `the pod needs the ConfigMap ${volume.configMap.name}`);
      mode = volume.configMap.defaultMode;
    } else if (volume.emptyDir || volume.persistentVolumeClaim) {
      data = {}; // an empty directory the pod's user writes in (a new claim is empty too)
    } else {
      assert.fail(`volume ${name}: the test knows Secret, ConfigMap, emptyDir and claim volumes only`);
    }
    const dir = join(base, name);
    mkdirSync(dir, { mode: volume.secret || volume.configMap ? 0o755 : 0o775 });
    for (const [key, value] of Object.entries(data)) {
      const file = join(dir, key);
      writeFileSync(file, value);
      if (group !== undefined) execFileSync('chown', [`0:${group}`, file]);
      chmodSync(file, mode ?? 0o644);
    }
    return { name, dir, mountPath };
  });
}

// The container's environment with every path under a mount moved to where podVolumes wrote that
// volume: what the process reads is what the pod would read.
export function envWithVolumes(container, volumes) {
  const env = {};
  for (const { name, value, valueFrom } of container.env ?? []) {
    assert.equal(valueFrom, undefined, `${name}: values come from files or literals, not valueFrom`);
    const mount = volumes.find((v) => value.startsWith(`${v.mountPath}/`));
    env[name] = mount ? join(mount.dir, value.slice(mount.mountPath.length + 1)) : value;
  }
  return env;
}
