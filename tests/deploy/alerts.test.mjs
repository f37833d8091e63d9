// The shipped alerts (deploy/prometheus/auto-recorder.rules.yaml): valid rules, each tested with
// `promtool test rules` firing and staying quiet (alerts.test.yaml), each documented in the
// runbook its runbook_url names, on metrics the recorder exports; and the PrometheusRule of
// components/prometheus-operator generated from them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { prometheusRule } from '../../deploy/prometheus/generate-prometheusrule.mjs';
import { REPO, ROOT, runs } from './lib/manifests.mjs';
import { documentedMetrics, metricsIn } from './lib/prometheus.mjs';

// Each test's own limit, so that a hang names the test (ctest's limit names only the file).
const timeout = 60_000;

if (!runs('promtool', '--version')) {
  // ctest reports this file as skipped (SKIP_REGULAR_EXPRESSION), not passed.
  console.log('SKIPPED: promtool is not installed (apt-get install prometheus), so the alerts cannot be tested');
  process.exit(0);
}

const RULES_FILE = join(REPO, 'deploy/prometheus/auto-recorder.rules.yaml');
const TESTS_FILE = new URL('alerts.test.yaml', import.meta.url).pathname;
const RULES_TEXT = readFileSync(RULES_FILE, 'utf8');
const ALERTS = parse(RULES_TEXT).groups.flatMap((g) => g.rules).filter((r) => r.alert);
const OPERATIONS = readFileSync(join(REPO, 'docs/operations.md'), 'utf8');

test('promtool accepts the rules file', { timeout }, () => {
  execFileSync('promtool', ['check', 'rules', RULES_FILE], { encoding: 'utf8' });
});

test('promtool test rules: every case of alerts.test.yaml passes', { timeout }, () => {
  const run = spawnSync('promtool', ['test', 'rules', TESTS_FILE], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /SUCCESS/);
});

test('every alert has a case where it fires (each severity) and one where it stays quiet', { timeout }, () => {
  const cases = parse(readFileSync(TESTS_FILE, 'utf8')).tests.flatMap((t) => t.alert_rule_test ?? []);
  assert.ok(ALERTS.length >= 11, 'the alerts the runbook lists');
  for (const { alert, labels } of ALERTS) {
    const mine = cases.filter((c) => c.alertname === alert);
    assert.ok(mine.some((c) => (c.exp_alerts ?? []).length === 0), `${alert}: a case where it stays quiet`);
    const fired = mine.flatMap((c) => c.exp_alerts ?? []);
    assert.ok(fired.some((a) => a.exp_labels?.severity === labels.severity), `${alert}: a case where it fires as ${labels.severity}`);
    assert.ok(fired.every((a) => a.exp_annotations?.summary && a.exp_annotations?.description), `${alert}: cases expect its annotations`);
  }
});

// Two deployments (one per LiveKit project) must not mask each other: an aggregation without
// namespace and job summed one's leader with the other's, and no alert said which namespace fired.
test('every aggregation keeps namespace and job, so deployments alert apart', { timeout }, () => {
  for (const { alert, expr } of ALERTS) {
    for (const [, op, by] of expr.matchAll(/\b(sum|max|min|avg|count)\s*(by\s*\([^)]*\))?\s*\(/g)) {
      assert.ok(by && /\bnamespace\b/.test(by) && /\bjob\b/.test(by), `${alert}: ${op} keeps namespace and job`);
    }
  }
});

test('every alert has a severity, a summary, a description and a runbook section', { timeout }, () => {
  const runbook = OPERATIONS.slice(OPERATIONS.indexOf('\n## Runbook\n'));
  assert.ok(runbook.length > 100, 'docs/operations.md has a Runbook section');
  // GitHub's anchors: the heading in lower case, spaces as dashes, punctuation dropped.
  const anchors = [...runbook.matchAll(/^### (.+)$/gm)].map(([, h]) => h.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-'));
  for (const { alert, labels, annotations } of ALERTS) {
    assert.ok(['warning', 'critical'].includes(labels.severity), `${alert}: severity warning or critical`);
    assert.ok(annotations.summary && annotations.description, `${alert}: summary and description`);
    assert.equal(annotations.runbook_url, `docs/operations.md#${alert.toLowerCase()}`);
    assert.ok(anchors.includes(alert.toLowerCase()), `docs/operations.md has "### ${alert}" under "## Runbook"`);
  }
});

test('the alerts use only metrics the recorder exports (docs/operations.md) and up', { timeout }, () => {
  const known = documentedMetrics(OPERATIONS);
  for (const { alert, expr } of ALERTS) {
    for (const metric of metricsIn(expr)) assert.ok(known.has(metric), `${alert}: ${metric} is in the metrics table`);
  }
});

test('the PrometheusRule is generated from the rules file', { timeout }, () => {
  const committed = readFileSync(join(ROOT, 'components/prometheus-operator/prometheusrule.yaml'), 'utf8');
  assert.equal(committed, prometheusRule(RULES_TEXT), 'run: node deploy/prometheus/generate-prometheusrule.mjs');
  const chartCopy = readFileSync(join(REPO, 'deploy/helm/livekit-auto-recorder/files/auto-recorder.rules.yaml'), 'utf8');
  assert.equal(chartCopy, RULES_TEXT, 'the Helm chart\'s copy: run node deploy/prometheus/generate-prometheusrule.mjs');
  assert.deepEqual(parse(committed).spec.groups, parse(RULES_TEXT).groups);
});
