// The Grafana dashboard (deploy/grafana/auto-recorder.json): every panel's query parses as
// PromQL (promtool, as recording rules) and reads only metrics the recorder exports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { REPO, runs } from './lib/manifests.mjs';
import { documentedMetrics, metricsIn } from './lib/prometheus.mjs';
import { tempDir } from '../integration/lib/recorder.mjs';

// Each test's own limit, so that a hang names the test (ctest's limit names only the file).
const timeout = 60_000;

if (!runs('promtool', '--version')) {
  // ctest reports this file as skipped (SKIP_REGULAR_EXPRESSION), not passed.
  console.log('SKIPPED: promtool is not installed (apt-get install prometheus), so the dashboard\'s queries cannot be checked');
  process.exit(0);
}

const dashboard = JSON.parse(readFileSync(join(REPO, 'deploy/grafana/auto-recorder.json'), 'utf8'));
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
const queries = panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, expr: t.expr })));
// What Grafana substitutes before sending a query: its interval and the dashboard's variables.
const VARIABLES = { $__rate_interval: '5m', $namespace: 'livekit-auto-recorder', $job: 'livekit-auto-recorder' };
const substituted = (expr) => Object.entries(VARIABLES).reduce((e, [name, value]) => e.replaceAll(name, value), expr);

test('every panel queries the chosen Prometheus data source', { timeout }, () => {
  assert.ok(panels.length >= 20, 'the panels the docs describe');
  for (const panel of panels) {
    assert.ok(panel.targets.length > 0 && panel.targets.every((t) => t.expr), `${panel.title}: has queries`);
    assert.equal(panel.datasource.uid, '${datasource}', `${panel.title}: the dashboard's data source`);
  }
  const variables = dashboard.templating.list.map((v) => v.name);
  assert.deepEqual(variables, ['datasource', 'namespace', 'job']);
  for (const { expr } of queries) {
    // One deployment at a time: two (one per LiveKit project) in one Prometheus do not add up.
    for (const selector of expr.match(/\{[^}]*\}/g) ?? []) {
      assert.match(selector, /namespace=~"\$namespace",job=~"\$job"/, `${expr}: the chosen namespace and job`);
    }
    const left = substituted(expr).match(/\$\w+/);
    assert.equal(left, null, `${expr}: a variable the test does not know`);
  }
});

test('every panel query parses (promtool check rules)', { timeout }, () => {
  const rules = join(tempDir(), 'dashboard.rules.yaml');
  writeFileSync(rules, stringify({
    groups: [{ name: 'dashboard', rules: queries.map(({ expr }, i) => ({ record: `dashboard:query_${i}`, expr: substituted(expr) })) }],
  }));
  const run = spawnSync('promtool', ['check', 'rules', rules], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, new RegExp(`SUCCESS: ${queries.length} rules found`));
});

test('the dashboard uses only metrics the recorder exports (docs/operations.md) and up', { timeout }, () => {
  const known = documentedMetrics(readFileSync(join(REPO, 'docs/operations.md'), 'utf8'));
  const used = new Set();
  for (const { panel, expr } of queries) {
    for (const metric of metricsIn(expr)) {
      assert.ok(known.has(metric), `${panel}: ${metric} is in the metrics table`);
      used.add(metric);
    }
  }
  // The alerts' metrics are all on it, so a firing alert can be looked at.
  for (const metric of ['auto_recorder_recording_start_delay_seconds_bucket', 'auto_recorder_recordings_ended_failed_total',
    'auto_recorder_last_reconcile_success_timestamp_seconds', 'auto_recorder_reconciler_leader', 'auto_recorder_coordination_degraded',
    'auto_recorder_room_sessions_total', 'auto_recorder_ledger_dropped_total', 'auto_recorder_ledger_enabled']) {
    assert.ok(used.has(metric), `the dashboard shows ${metric}`);
  }
});
