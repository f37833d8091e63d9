// Writes components/prometheus-operator/prometheusrule.yaml from auto-recorder.rules.yaml: the
// PrometheusRule's spec is the rules file (its `groups:`), indented, comments included; and the
// Helm chart's copy of the rules file. Run it after editing the rules file; the deploy test fails
// while they differ.
//   node deploy/prometheus/generate-prometheusrule.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const RULES = new URL('auto-recorder.rules.yaml', import.meta.url);
const TARGET = new URL('../kubernetes/components/prometheus-operator/prometheusrule.yaml', import.meta.url);
const HELM_COPY = new URL('../helm/livekit-auto-recorder/files/auto-recorder.rules.yaml', import.meta.url);

export function prometheusRule(rulesText) {
  const lines = rulesText.split('\n');
  const start = lines.findIndex((line) => line.startsWith('groups:'));
  if (start < 0) throw new Error('the rules file has no top-level groups:');
  const spec = lines.slice(start).map((line) => (line ? `  ${line}` : line)).join('\n');
  return `# GENERATED from deploy/prometheus/auto-recorder.rules.yaml by
# deploy/prometheus/generate-prometheusrule.mjs: edit that file, then run the script.
# The namespace and labels are the base's (../../metadata); release: is set in kustomization.yaml.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: livekit-auto-recorder
spec:
${spec}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rules = readFileSync(RULES, 'utf8');
  writeFileSync(TARGET, prometheusRule(rules));
  console.log(`wrote ${TARGET.pathname}`);
  // The Helm chart reads its own copy: a chart sees only the files inside it.
  writeFileSync(HELM_COPY, rules);
  console.log(`wrote ${HELM_COPY.pathname}`);
}
