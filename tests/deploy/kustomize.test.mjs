// The Kubernetes manifests, as a user composes them: deploy/kubernetes/base plus one
// configuration component and any optional ones, rendered with kubectl's built-in Kustomize.
// Every combination renders valid objects with the namespace, labels, Secret convention and Pod
// Security the docs promise; every distinct pod they make is started with the real binary, its
// Secret and ConfigMap written as files the way the kubelet mounts them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CronJob } from 'kubernetes-models/batch/v1';
import {
  OPTIONAL, REPO, ROOT, STYLES, VERSION, combinations, envWithVolumes, find, overlay, podVolumes, render, runs,
} from './lib/manifests.mjs';
import { BINARY, assertNoSecrets, startRecorder, tempDir, freePort } from '../integration/lib/recorder.mjs';
import { RedisServer } from '../integration/lib/redis.mjs';
import { PostgresServer } from '../integration/lib/postgres.mjs';

// Each test's own limit, so that a hang names the test (ctest's limit names only the file).
const timeout = 60_000;

if (!runs('kubectl', 'version', '--client')) {
  // ctest reports this file as skipped (SKIP_REGULAR_EXPRESSION), not passed.
  console.log('SKIPPED: kubectl is not installed, so the manifests cannot be rendered');
  process.exit(0);
}

const NAMESPACE = 'livekit-auto-recorder';
const SECRET = 'livekit-auto-recorder';
const SECRET_DIR = '/var/run/secrets/auto-recorder';
// Only labels that never change select pods: a Deployment's selector is immutable.
const SELECTOR = { 'app.kubernetes.io/name': 'livekit-auto-recorder', 'app.kubernetes.io/instance': 'livekit-auto-recorder' };
const LABELS = {
  ...SELECTOR,
  'app.kubernetes.io/version': VERSION,
  'app.kubernetes.io/component': 'recorder',
  'app.kubernetes.io/part-of': 'livekit',
  'app.kubernetes.io/managed-by': 'kustomize',
};
const SCRAPE_ANNOTATIONS = ['prometheus.io/scrape', 'prometheus.io/port', 'prometheus.io/path'];

const OPERATIONS = readFileSync(join(REPO, 'docs/operations.md'), 'utf8');
// The runtime stage's WORKDIR (the Dockerfile's last): where the ledger's default file goes.
const IMAGE_WORKDIR = [...readFileSync(join(REPO, 'deploy/Dockerfile'), 'utf8').matchAll(/^WORKDIR (\S+)$/gm)].at(-1)[1];
// The variables docs/configuration.md marks as secrets: never a literal in the manifests.
const SECRET_VARIABLES = readFileSync(join(REPO, 'docs/configuration.md'), 'utf8').split('\n')
  .filter((line) => /^\| `[^`]+` \| `[A-Z0-9_]+` \|.*\| yes \|/.test(line))
  .map((line) => line.split('`')[3]);
const STORAGE_VARIABLE = /^(S3_|AZURE_|GCP_|GOOGLE_APPLICATION_CREDENTIALS|ALIOSS_)/;

// One section of docs/operations.md: from its heading to the next heading of its level or
// above, outside code blocks (where "# ..." is a comment).
function section(heading) {
  const lines = OPERATIONS.split('\n');
  const start = lines.indexOf(heading);
  assert.ok(start >= 0, `docs/operations.md has a section "${heading}"`);
  const level = heading.match(/^#+/)[0].length;
  let fenced = false;
  let end = start + 1;
  for (; end < lines.length; end += 1) {
    if (lines[end].startsWith('```')) fenced = !fenced;
    const deeper = lines[end].match(/^(#+) /);
    if (!fenced && deeper && deeper[1].length <= level) break;
  }
  return lines.slice(start + 1, end).join('\n');
}

// Pod Security Standards, "restricted" profile (kubernetes.io/docs/concepts/security/pod-security-standards).
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
function assertRestricted(pod) {
  for (const host of ['hostNetwork', 'hostPID', 'hostIPC']) assert.notEqual(pod[host], true, `${host} is not allowed`);
  for (const volume of pod.volumes ?? []) {
    const types = Object.keys(volume).filter((k) => k !== 'name');
    assert.deepEqual(types.filter((t) => !RESTRICTED_VOLUMES.includes(t)), [], `volume ${volume.name} is of an allowed type`);
  }
  assert.equal(pod.securityContext?.sysctls, undefined);
  for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
    const context = container.securityContext ?? {};
    const runAsNonRoot = context.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
    assert.equal(runAsNonRoot, true, `${container.name}: runAsNonRoot`);
    assert.notEqual(context.runAsUser ?? pod.securityContext?.runAsUser, 0, `${container.name}: not uid 0`);
    assert.equal(context.allowPrivilegeEscalation, false, `${container.name}: allowPrivilegeEscalation false`);
    assert.notEqual(context.privileged, true, `${container.name}: not privileged`);
    assert.ok(context.capabilities?.drop?.includes('ALL'), `${container.name}: drops ALL capabilities`);
    assert.deepEqual((context.capabilities?.add ?? []).filter((c) => c !== 'NET_BIND_SERVICE'), []);
    const seccomp = (context.seccompProfile ?? pod.securityContext?.seccompProfile)?.type;
    assert.ok(['RuntimeDefault', 'Localhost'].includes(seccomp), `${container.name}: seccomp RuntimeDefault, not ${seccomp}`);
    assert.ok((container.ports ?? []).every((p) => p.hostPort === undefined), `${container.name}: no hostPort`);
  }
}

// Would the NetworkPolicy admit a connection to `port` (the container port's name) from
// `source`: { ip } for a host-network process (a node's IP), or { namespace } for a pod?
function admits(policy, source, port) {
  const inCidr = (ip, cidr) => {
    const [net, bits] = cidr.split('/');
    const number = (a) => a.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
    const size = 2 ** (32 - Number(bits));
    return Math.floor(number(ip) / size) === Math.floor(number(net) / size);
  };
  const peerMatches = (peer) => {
    if (peer.ipBlock) {
      return source.ip !== undefined && inCidr(source.ip, peer.ipBlock.cidr)
        && !(peer.ipBlock.except ?? []).some((cidr) => inCidr(source.ip, cidr));
    }
    assert.equal(peer.podSelector, undefined, 'the test evaluates namespace selectors alone');
    const labels = source.namespace === undefined ? undefined : { 'kubernetes.io/metadata.name': source.namespace };
    return labels !== undefined
      && Object.entries(peer.namespaceSelector.matchLabels).every(([k, v]) => labels[k] === v);
  };
  return policy.spec.ingress.some((rule) => (rule.ports ?? []).some((p) => p.port === port) && rule.from.some(peerMatches));
}

// What every combination renders, whatever its components.
function checkCombination(components, objects) {
  const has = (c) => components.includes(c);
  const [deployment] = find(objects, 'Deployment');
  const pod = deployment.spec.template.spec;
  const [container] = pod.containers;
  const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e]));

  // Metadata: one namespace, the same labels on every object, selectors of stable labels only.
  const [namespace] = find(objects, 'Namespace');
  assert.equal(namespace.metadata.name, NAMESPACE);
  assert.equal(namespace.metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
  for (const object of objects) {
    const what = `${object.kind}/${object.metadata.name}`;
    if (object.kind !== 'Namespace') assert.equal(object.metadata.namespace, NAMESPACE, `${what} is in the namespace`);
    for (const [k, v] of Object.entries(LABELS)) assert.equal(object.metadata.labels?.[k], v, `${what} has ${k}=${v}`);
  }
  assert.deepEqual(deployment.spec.selector.matchLabels, SELECTOR);
  for (const [k, v] of Object.entries(LABELS)) assert.equal(deployment.spec.template.metadata.labels[k], v);
  const [service] = find(objects, 'Service');
  assert.deepEqual(service.spec.selector, SELECTOR);
  assert.deepEqual(find(objects, 'PodDisruptionBudget')[0].spec.selector.matchLabels, SELECTOR);
  const [spread] = pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
  assert.equal(spread.podAffinityTerm.topologyKey, 'kubernetes.io/hostname');
  assert.deepEqual(spread.podAffinityTerm.labelSelector.matchLabels, SELECTOR);

  // The image: the project's version, pulled only when missing.
  assert.equal(container.image, `your-registry/livekit-auto-recorder:${VERSION}`);
  assert.equal(container.imagePullPolicy, 'IfNotPresent');

  // Its own ServiceAccount, no token.
  const [account] = find(objects, 'ServiceAccount');
  assert.equal(pod.serviceAccountName, account.metadata.name);
  assert.equal(account.automountServiceAccountToken, false);
  assert.equal(pod.automountServiceAccountToken, false);
  assert.equal(pod.enableServiceLinks, false, 'no service-link variables in the environment');
  assertRestricted(pod);
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  // The root is read-only: the ledger's file goes to a volume at the image's WORKDIR. One replica
  // keeps it on a claim in the namespace and never overlaps its successor; ha has no claim (the
  // ledger is on PostgreSQL, or off), rolls, and spreads over zones.
  const ledgerMount = container.volumeMounts.find((m) => m.mountPath === IMAGE_WORKDIR);
  assert.ok(ledgerMount, `something is mounted at the image's WORKDIR ${IMAGE_WORKDIR}`);
  const ledgerVolume = pod.volumes.find((v) => v.name === ledgerMount.name);
  const claims = find(objects, 'PersistentVolumeClaim');
  if (has('ha') || has('ephemeral-ledger')) {
    assert.deepEqual(claims, []);
    assert.deepEqual(ledgerVolume, { name: ledgerMount.name, emptyDir: {} });
  } else {
    assert.equal(claims.length, 1);
    assert.equal(ledgerVolume.persistentVolumeClaim.claimName, claims[0].metadata.name);
    assert.deepEqual(claims[0].spec.accessModes, ['ReadWriteOnce']);
    assert.ok(claims[0].spec.resources.requests.storage);
  }
  assert.equal(deployment.spec.strategy.type, has('ha') ? 'RollingUpdate' : 'Recreate', 'one replica never overlaps another');
  const zones = pod.topologySpreadConstraints ?? [];
  assert.deepEqual(zones.map((z) => [z.topologyKey, z.whenUnsatisfiable, z.labelSelector.matchLabels]),
    has('ha') ? [['topology.kubernetes.io/zone', 'ScheduleAnyway', SELECTOR]] : []);

  // Probes, ports, shutdown, resources.
  const http = container.ports.find((p) => p.name === 'http');
  assert.equal(http.containerPort, 8080);
  assert.equal(container.readinessProbe.httpGet.path, '/readyz');
  assert.equal(container.livenessProbe.httpGet.path, '/livez');
  for (const probe of [container.readinessProbe, container.livenessProbe]) {
    assert.ok(container.ports.some((p) => p.name === probe.httpGet.port), 'probe port is a declared port');
  }
  const seconds = (d) => Number(d.replace(/s$/, ''));
  assert.ok(pod.terminationGracePeriodSeconds > seconds(env.SHUTDOWN_DELAY.value) + 10,
    'grace period above shutdown_delay plus the 10 s shutdown drain');
  assert.ok(container.resources.requests.memory && container.resources.limits.memory);
  assert.equal(service.spec.ports[0].port, 8080);
  assert.equal(service.spec.ports[0].targetPort, 'http');
  assert.equal(find(objects, 'PodDisruptionBudget')[0].spec.maxUnavailable, 1, 'a single replica must not block node drains');

  // Secrets: files of the one Secret, never literals, never created by the manifests.
  assert.equal(find(objects, 'Secret').length, 0, 'the manifests create no Secret');
  assert.equal(container.envFrom, undefined);
  for (const e of container.env) assert.equal(e.valueFrom, undefined, `${e.name} is a literal or a file`);
  for (const name of SECRET_VARIABLES) assert.equal(env[name], undefined, `${name} is given as ${name}_FILE`);
  const secretVolume = pod.volumes.find((v) => v.secret);
  assert.equal(secretVolume.secret.secretName, SECRET);
  assert.equal(container.volumeMounts.find((m) => m.name === secretVolume.name).mountPath, SECRET_DIR);
  assert.equal(env.LIVEKIT_API_SECRET_FILE.value, `${SECRET_DIR}/LIVEKIT_API_SECRET`);
  assert.equal(env.API_TOKEN_FILE.value, `${SECRET_DIR}/API_TOKEN`, 'the API is wired, its key optional');
  for (const e of container.env.filter((x) => x.name.endsWith('_FILE') && x.value.startsWith(SECRET_DIR))) {
    const variable = e.name.slice(0, -'_FILE'.length);
    assert.ok(SECRET_VARIABLES.includes(variable), `${e.name} reads a secret setting`);
    assert.equal(e.value, `${SECRET_DIR}/${variable}`, 'the Secret\'s keys are the variable names');
  }

  // Exactly one configuration style.
  const configMaps = find(objects, 'ConfigMap');
  assert.equal(Boolean(env.CONFIG_FILE), has('config-file'));
  assert.equal(configMaps.length, has('config-file') ? 1 : 0);
  if (has('config-file')) {
    const [configMap] = configMaps;
    assert.match(configMap.metadata.name, /^auto-recorder-config-[a-z0-9]+$/, 'hash suffix rolls pods on change');
    const volume = pod.volumes.find((v) => v.configMap?.name === configMap.metadata.name);
    assert.ok(volume, 'the pod mounts the generated ConfigMap');
    const mount = container.volumeMounts.find((m) => m.name === volume.name);
    assert.equal(env.CONFIG_FILE.value, `${mount.mountPath}/config.yaml`);
  } else {
    assert.equal(env.LIVEKIT_HOST.value, 'http://livekit-server.livekit.svc.cluster.local:7880');
  }

  // ha: three replicas, never fewer while rolling out, Redis password from the Secret.
  assert.equal(deployment.spec.replicas, has('ha') ? 3 : 1);
  assert.equal(Boolean(env.REDIS_ADDRESS), has('ha'));
  if (has('ha')) {
    assert.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0, 'roll out without dropping below 3');
    assert.equal(env.REDIS_PASSWORD_FILE.value, `${SECRET_DIR}/REDIS_PASSWORD`);
  }
  // ledger-postgres: the ledger's URL from the Secret.
  assert.equal(env.LEDGER_POSTGRES_URL_FILE?.value, has('ledger-postgres') ? `${SECRET_DIR}/LEDGER_POSTGRES_URL` : undefined);

  // egress-storage: no storage setting anywhere in the recorder, STORAGE=egress.
  const storage = container.env.filter((e) => STORAGE_VARIABLE.test(e.name)).map((e) => e.name);
  const configFile = configMaps[0] ? parse(configMaps[0].data['config.yaml']) : {};
  if (has('egress-storage')) {
    assert.equal(env.STORAGE?.value, 'egress');
    assert.deepEqual(storage, [], 'no storage variable with egress-storage');
    assert.equal(configFile.storage, undefined);
    assert.equal(configFile.storages, undefined);
  } else {
    assert.equal(env.STORAGE, undefined);
    assert.deepEqual(storage, ['S3_BUCKET', 'S3_REGION']);
  }

  // Scraped once: by the annotations, or by the ServiceMonitor, never both.
  const annotations = deployment.spec.template.metadata.annotations ?? {};
  const monitors = find(objects, 'ServiceMonitor');
  const annotated = SCRAPE_ANNOTATIONS.filter((a) => a in annotations);
  assert.ok(!(monitors.length > 0 && annotated.length > 0), 'a ServiceMonitor and prometheus.io/* annotations would scrape twice');
  if (has('prometheus-operator')) {
    assert.deepEqual(annotated, []);
    const [monitor] = monitors;
    assert.equal(monitor.metadata.labels.release, 'kube-prometheus-stack', 'kube-prometheus-stack selects by release');
    for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels)) assert.equal(service.metadata.labels[k], v);
    assert.equal(monitor.spec.endpoints[0].port, service.spec.ports[0].name);
    assert.equal(monitor.spec.endpoints[0].path, '/metrics');
    assert.equal(monitor.spec.jobLabel, 'app.kubernetes.io/name', 'the job AutoRecorderDown knows, whatever the Service is called');
    const [rule] = find(objects, 'PrometheusRule');
    assert.equal(rule.metadata.labels.release, 'kube-prometheus-stack');
    const rulesFile = parse(readFileSync(join(REPO, 'deploy/prometheus/auto-recorder.rules.yaml'), 'utf8'));
    assert.deepEqual(rule.spec.groups, rulesFile.groups, 'the PrometheusRule holds the rules file\'s groups');
  } else {
    assert.equal(monitors.length, 0);
    assert.equal(find(objects, 'PrometheusRule').length, 0);
    assert.equal(annotations['prometheus.io/scrape'], 'true');
    assert.equal(Number(annotations['prometheus.io/port']), http.containerPort);
  }

  // network-policy: off unless listed.
  const policies = find(objects, 'NetworkPolicy');
  assert.equal(policies.length, has('network-policy') ? 1 : 0);
  if (has('network-policy')) {
    const [policy] = policies;
    assert.deepEqual(policy.spec.podSelector.matchLabels, SELECTOR);
    assert.ok(admits(policy, { namespace: 'livekit' }, 'http'), 'webhooks from LiveKit\'s namespace');
    assert.ok(admits(policy, { namespace: 'monitoring' }, 'http'), 'scrapes from monitoring');
    assert.ok(admits(policy, { namespace: 'ingress-nginx' }, 'http'), '/ui through the ingress controller');
    assert.ok(!admits(policy, { namespace: 'default' }, 'http'), 'not from other namespaces');
  }
}

for (const components of combinations()) {
  test(`base + ${components.join(' + ')}`, { timeout }, () => checkCombination(components, render(overlay(components))));
}

test('the example overlays only list the base and components, one configuration style each', { timeout }, () => {
  const examples = readdirSync(join(ROOT, 'overlays'));
  assert.deepEqual(examples.sort(), ['config-file', 'env', 'ha', 'prometheus-operator']);
  for (const name of examples) {
    const kustomization = parse(readFileSync(join(ROOT, 'overlays', name, 'kustomization.yaml'), 'utf8'));
    assert.deepEqual(Object.keys(kustomization).sort(), ['apiVersion', 'components', 'kind', 'resources']);
    assert.deepEqual(kustomization.resources, ['../../base']);
    const components = kustomization.components.map((c) => c.replace('../../components/', ''));
    assert.equal(components.filter((c) => STYLES.includes(c)).length, 1, `${name}: exactly one of ${STYLES}`);
    assert.deepEqual(components.filter((c) => !STYLES.includes(c) && !OPTIONAL.includes(c)), []);
    assert.deepEqual(render(join(ROOT, 'overlays', name)), render(overlay(components)));
  }
});

test('an overlay with its own namespace: moves every object of every component, the Namespace too', { timeout }, () => {
  for (const optional of [OPTIONAL.filter((c) => c !== 'ephemeral-ledger'), OPTIONAL.filter((c) => c !== 'ha')]) {
    const objects = render(overlay(['config-file', ...optional], { extra: 'namespace: recorders' }));
    assert.equal(find(objects, 'Namespace')[0].metadata.name, 'recorders');
    for (const object of objects.filter((o) => o.kind !== 'Namespace')) {
      assert.equal(object.metadata.namespace, 'recorders', `${object.kind}/${object.metadata.name}`);
    }
  }
});

test('ha and ephemeral-ledger do not go together, and kustomize says so', { timeout }, () => {
  assert.throws(() => render(overlay(['env', 'ha', 'ephemeral-ledger'])));
});

test('every Secret key a pod reads is in the documented kubectl create secret command', { timeout }, () => {
  const docs = section('### The Secret');
  assert.match(docs, new RegExp(`kubectl create secret generic ${SECRET} --namespace ${NAMESPACE}`));
  const keys = new Set();
  for (const components of combinations()) {
    const [container] = find(render(overlay(components)), 'Deployment')[0].spec.template.spec.containers;
    for (const e of container.env) if (e.value?.startsWith(`${SECRET_DIR}/`)) keys.add(e.value.slice(SECRET_DIR.length + 1));
  }
  assert.deepEqual([...keys].sort(), ['API_TOKEN', 'LEDGER_POSTGRES_URL', 'LIVEKIT_API_SECRET', 'NOTIFY_SECRET', 'REDIS_PASSWORD']);
  for (const key of keys) assert.match(docs, new RegExp(`--from-literal=${key}=`), `the docs create ${key}`);
});

test('network-policy admits a hostNetwork LiveKit once its node CIDR is set as docs/operations.md says', { timeout }, () => {
  // As shipped: a documentation range, so no real node matches until the operator sets it.
  const [shipped] = find(render(overlay(['env', 'network-policy'])), 'NetworkPolicy');
  assert.ok(admits(shipped, { ip: '192.0.2.10' }, 'http'));
  assert.ok(!admits(shipped, { ip: '10.0.12.34' }, 'http'), 'the placeholder matches no real node');

  // The documented overlay, written where the docs say, in a copy of deploy/kubernetes.
  const docs = section('### LiveKit with hostNetwork');
  const block = docs.match(/```yaml\n(# deploy\/kubernetes\/overlays\/mine\/kustomization\.yaml\n[\s\S]*?)```/);
  assert.ok(block, 'the section shows the overlay to write');
  const copy = join(tempDir(), 'kubernetes');
  cpSync(ROOT, copy, { recursive: true });
  mkdirSync(join(copy, 'overlays/mine'));
  writeFileSync(join(copy, 'overlays/mine/kustomization.yaml'), block[1]);
  const objects = render(join(copy, 'overlays/mine'));
  const [policy] = find(objects, 'NetworkPolicy');
  const cidr = docs.match(/node CIDR is `([0-9./]+)`/)[1];
  assert.equal(cidr, '10.0.0.0/16');
  assert.ok(admits(policy, { ip: '10.0.12.34' }, 'http'), 'a node IP in the documented CIDR posts webhooks');
  assert.ok(!admits(policy, { ip: '203.0.113.7' }, 'http'), 'an address outside it does not');
  assert.ok(!admits(policy, { ip: '10.1.0.5' }, 'http'), 'nor the next /16');
  assert.ok(admits(policy, { namespace: 'livekit' }, 'http'), 'LiveKit pods without hostNetwork still do');
});

// `auto-recorder --check-config` with exactly `env`; all of its output, secrets never in it.
function checkConfig(env) {
  const run = spawnSync(BINARY, ['--check-config'], { env, cwd: tempDir(), encoding: 'utf8' });
  const output = run.stdout + run.stderr;
  assertNoSecrets(output, env);
  return { code: run.status, output };
}

test('every distinct pod of the combinations starts with its Secret and ConfigMap mounted as files', { concurrency: true, timeout }, async (t) => {
  const pods = new Map(); // what the container gets -> the combinations that render it
  for (const components of combinations()) {
    const objects = render(overlay(components));
    const [container] = find(objects, 'Deployment')[0].spec.template.spec.containers;
    const key = JSON.stringify([container.env, container.volumeMounts, find(objects, 'ConfigMap').map((c) => c.data)]);
    if (!pods.has(key)) pods.set(key, { components, objects });
  }
  // config-file|env x ha x egress-storage x ledger-postgres: the others do not change the container.
  assert.equal(pods.size, 16);

  const startPod = async ({ components, objects }) => {
    const ha = components.includes('ha');
    const shared = components.includes('ledger-postgres');
    // Random values: the recorder's output is scanned for any 8 characters of them.
    const value = () => randomBytes(18).toString('base64url');
    const secret = { LIVEKIT_API_SECRET: value(), ...(ha ? { REDIS_PASSWORD: value() } : {}), ...(shared ? { LEDGER_POSTGRES_URL: postgres.url } : {}) };
    const redis = ha ? await new RedisServer({ args: ['--requirepass', secret.REDIS_PASSWORD] }).start() : undefined;
    const [container] = find(objects, 'Deployment')[0].spec.template.spec.containers;
    const volumes = podVolumes(objects, { [SECRET]: secret });
    const env = envWithVolumes(container, volumes);
    // The image's working directory is the ledger's emptyDir.
    const workdir = volumes.find((v) => v.mountPath === IMAGE_WORKDIR)?.dir;
    assert.ok(workdir, `a volume is mounted at the image's WORKDIR ${IMAGE_WORKDIR}`);
    // The differences from the cluster: a free port on this machine, this test's Redis, and no
    // reconcile passes (LiveKit's Service does not exist here).
    const overrides = { PORT: String(await freePort()), RECONCILE_INTERVAL: '0', ...(ha ? { REDIS_ADDRESS: `127.0.0.1:${redis.port}` } : {}) };
    try {
      const check = checkConfig({ ...env, ...overrides });
      assert.equal(check.code, 0, check.output);
      assert.match(check.output, /^livekit_api_secret: <redacted> +# \$LIVEKIT_API_SECRET_FILE$/m);
      if (ha) assert.match(check.output, /^redis\.password: <redacted> +# \$REDIS_PASSWORD_FILE$/m);
      if (shared) assert.match(check.output, /^ledger\.postgres_url: <redacted> +# \$LEDGER_POSTGRES_URL_FILE$/m);

      const recorder = await startRecorder({ env: { ...env, ...overrides }, cwd: workdir });
      try {
        const ready = JSON.parse(recorder.lines(/auto-recorder ready/)[0]);
        assert.equal(ready.livekit, 'http://livekit-server.livekit.svc.cluster.local:7880');
        assert.match(ready.storage, components.includes('egress-storage') ? /^egress\b/ : /^s3$/);
        if (components.includes('config-file')) assert.match(ready.config, /config\.yaml \+ environment/);
        if (ha) {
          // log: the operator's sign that the password file opened Redis; with no room and no
          // reconciler, nothing else shows it
          await recorder.waitForLogLine(/Redis reachable/);
          assert.notEqual(ready.replica, 'alone');
        }
        assert.equal((await fetch(`${recorder.url}/readyz`)).status, 200);
        // One replica keeps a ledger in its working directory; replicas share PostgreSQL, or have
        // none (with a warning).
        assert.equal(ready.ledger, shared ? `postgresql://127.0.0.1:${postgres.port}/postgres` : ha ? 'off' : 'ledger.db');
      } finally {
        assert.equal((await recorder.stop()).code, 0);
      }
    } finally {
      await redis?.stop();
    }
  };
  // Side by side: each stop waits out the manifests' 5 s SHUTDOWN_DELAY. The ledger-postgres pods
  // share one PostgreSQL, as replicas do, and start together.
  const postgres = new PostgresServer().start();
  try {
    await Promise.all([...pods.values()].map((pod) => t.test(pod.components.join(' + '), () => startPod(pod))));
  } finally {
    postgres.stop();
  }
});

test('changing config.yaml changes the ConfigMap name the pods mount, so they roll', { timeout }, () => {
  const copy = join(tempDir(), 'kubernetes');
  cpSync(ROOT, copy, { recursive: true });
  const render1 = () => render(overlay(['config-file'], { root: copy }));
  const before = find(render1(), 'ConfigMap')[0].metadata.name;
  const configPath = join(copy, 'components/config-file/config.yaml');
  writeFileSync(configPath, readFileSync(configPath, 'utf8').replace('layout: "grid"', 'layout: "speaker"'));
  const objects = render1();
  const after = find(objects, 'ConfigMap')[0].metadata.name;
  assert.notEqual(after, before);
  const volumes = find(objects, 'Deployment')[0].spec.template.spec.volumes;
  assert.equal(volumes.find((v) => v.configMap).configMap.name, after);
});

test("the report CronJob: only the ledger's Secret key, exit 3 fails the Job unretried, as docs/ledger.md shows it", { timeout }, () => {
  const text = readFileSync(join(ROOT, 'examples/report-cronjob.yaml'), 'utf8');
  assert.ok(readFileSync(join(REPO, 'docs/ledger.md'), 'utf8').includes(text), 'docs/ledger.md shows the file as it is');
  const job = parse(text);
  new CronJob(job).validate();
  assert.equal(job.metadata.namespace, NAMESPACE);
  const { spec } = job.spec.jobTemplate;
  assert.deepEqual(spec.podFailurePolicy.rules, [{ action: 'FailJob', onExitCodes: { containerName: 'report', operator: 'In', values: [3] } }]);
  const pod = spec.template.spec;
  assert.equal(pod.restartPolicy, 'Never');
  assertRestricted(pod);
  const [container] = pod.containers;
  assert.equal(container.image, `your-registry/livekit-auto-recorder:${VERSION}`);
  assert.deepEqual(container.args.slice(0, 1), ['report']);
  assert.deepEqual(container.env, [{ name: 'LEDGER_POSTGRES_URL_FILE', value: `${SECRET_DIR}/LEDGER_POSTGRES_URL` }]);
  assert.deepEqual(pod.volumes[0].secret.items.map((i) => i.key), ['LEDGER_POSTGRES_URL'], 'no LiveKit secret in the job');
});

test('a second recorder in the namespace, as docs/operations.md writes it: every selector picks its own pods', { timeout }, () => {
  const docs = section('### Two recorders in one namespace');
  const block = docs.match(/```yaml\n# deploy\/kubernetes\/overlays\/project-b\/kustomization\.yaml\n([\s\S]*?)```/);
  assert.ok(block, 'the section shows the overlay to write');
  const extra = block[1].split('\n').filter((line) => !/^(apiVersion|kind|resources|components):|^  - \.\.\//.test(line)).join('\n');
  for (const components of [['env', 'ha', 'network-policy', 'prometheus-operator'], ['config-file', 'prometheus-operator']]) {
    const objects = render(overlay(components, { extra }));
    const mine = { 'app.kubernetes.io/name': 'livekit-auto-recorder', 'app.kubernetes.io/instance': 'project-b' };
    const [deployment] = find(objects, 'Deployment');
    const pod = deployment.spec.template.spec;
    const selectors = [
      deployment.spec.selector.matchLabels,
      find(objects, 'Service')[0].spec.selector,
      find(objects, 'PodDisruptionBudget')[0].spec.selector.matchLabels,
      find(objects, 'ServiceMonitor')[0].spec.selector.matchLabels,
      pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchLabels,
      ...(pod.topologySpreadConstraints ?? []).map((t) => t.labelSelector.matchLabels),
      ...find(objects, 'NetworkPolicy').map((p) => p.spec.podSelector.matchLabels),
    ];
    for (const selector of selectors) assert.deepEqual(selector, mine);
    for (const object of objects.filter((o) => o.kind !== 'Namespace')) {
      assert.match(object.metadata.name, /^project-b-/, `${object.kind}/${object.metadata.name} is the second recorder's`);
    }
    for (const claim of find(objects, 'PersistentVolumeClaim')) {
      assert.ok(pod.volumes.some((v) => v.persistentVolumeClaim?.claimName === claim.metadata.name), 'the pod mounts its own claim');
    }
  }
});

