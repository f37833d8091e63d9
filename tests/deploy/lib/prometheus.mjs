// What the alert and dashboard tests share: the metrics the recorder exports, as
// docs/operations.md's "Read the metrics" table lists them.

// The metric names of the table's first column (a histogram's also with _bucket, _sum, _count),
// plus `up`, which Prometheus adds to every scrape.
export function documentedMetrics(operations) {
  // The section's first table, up to the blank line after it (the rejection reasons' follows).
  const start = operations.indexOf('| metric |', operations.indexOf('\n## Read the metrics\n'));
  const table = operations.slice(start, operations.indexOf('\n\n', start));
  const names = new Set(['up']);
  for (const row of table.split('\n').filter((line) => line.startsWith('| `'))) {
    const [, first, type] = row.split('|');
    for (const [, name] of first.matchAll(/`([a-z_:][a-z0-9_:]*)`/g)) {
      names.add(name);
      if (type.trim() === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    }
  }
  return names;
}

// The metric names a PromQL expression reads.
export function metricsIn(expr) {
  const names = new Set([...expr.matchAll(/\b((?:auto_recorder|process)_[a-z0-9_]+)\b/g)].map((m) => m[1]));
  if (/\bup\s*[{[]/.test(expr)) names.add('up');
  return names;
}
