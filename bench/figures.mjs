// The figures the README quotes, in one place: `make bench` (bench/run.mjs) writes what it
// measured to docs/bench.json, next to its table in docs/performance.md, and rewrites the README's
// marked figures from it with write(). lint.figures runs this file with --check: a README figure
// that is not the latest run's, or a table from another run than docs/bench.json, fails it.
//   node bench/figures.mjs --check   exit 1, naming each stale figure
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
export const JSON_PATH = join(ROOT, 'docs/bench.json');
const README = join(ROOT, 'README.md');
const PERFORMANCE = join(ROOT, 'docs/performance.md');

const thousands = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
const hundreds = (n) => thousands(Math.round(n / 100) * 100);
const times = (a, b) => `${(a / b).toFixed(1)}×`;
const mb = (value, digits = 1) => `${value.toFixed(digits)} MB`;
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

// Each marked place of the README: <!-- figures:NAME -->text<!-- /figures -->.
export function render(f) {
  return {
    intro: `a ${mb(f.binaryMb)} stripped binary, ${mb(f.idleMb, 0)} resident when idle`,
    trust: `${hundreds(f.webhooksPerS)} verified webhooks/s (${times(f.webhooksPerS, f.peerWebhooksPerS)} a ` +
      `Node receiver on LiveKit's SDK, ${times(f.webhooksPerS, f.nginxPerS)} a do-nothing nginx on\n` +
      `  the same cores that day), ${mb(f.idleMb)} resident idle and ${mb(f.peakMb)} at peak, a burst ` +
      `of ${f.burstRooms} rooms all\n  recording ${seconds(f.burstRecordedMs)} after the first webhook ` +
      `(the Node receiver: ${seconds(f.peerBurstRecordedMs)}), ${thousands(f.scaleRooms)} rooms found by the\n` +
      `  reconciler in a peak of ${mb(f.scalePeakMb, 0)}, \`report\` over a million sessions in under ` +
      `${Math.ceil(f.reportPeakMb)} MB`,
  };
}

const marked = /<!-- figures:([a-z]+) -->([\s\S]*?)<!-- \/figures -->/g;

export function apply(text, figures) {
  const blocks = render(figures);
  return text.replace(marked, (whole, name) =>
    (name in blocks ? `<!-- figures:${name} -->${blocks[name]}<!-- /figures -->` : whole));
}

// What is stale, in words; empty when the README and the table are the latest run's.
export function problems(readme, performance, figures) {
  const out = [];
  const blocks = render(figures);
  const found = new Map([...readme.matchAll(marked)].map((m) => [m[1], m[2]]));
  for (const [name, text] of Object.entries(blocks)) {
    if (!found.has(name)) out.push(`README.md has no <!-- figures:${name} --> place`);
    else if (found.get(name) !== text) {
      out.push(`README.md figures:${name} is not the latest run's: "${found.get(name)}" should be "${text}"`);
    }
  }
  for (const name of found.keys()) {
    if (!(name in blocks)) out.push(`README.md figures:${name}: bench/figures.mjs renders no such place`);
  }
  if (!performance.includes(`Measured ${figures.measured} UTC`)) {
    out.push(`docs/performance.md's table is not from the run of docs/bench.json (${figures.measured} UTC)`);
  }
  return out;
}

export function write(figures) {
  writeFileSync(JSON_PATH, `${JSON.stringify(figures, null, 2)}\n`);
  writeFileSync(README, apply(readFileSync(README, 'utf8'), figures));
}

if (process.argv[1] === new URL(import.meta.url).pathname && process.argv.includes('--check')) {
  const figures = JSON.parse(readFileSync(JSON_PATH, 'utf8'));
  const found = problems(readFileSync(README, 'utf8'), readFileSync(PERFORMANCE, 'utf8'), figures);
  for (const problem of found) console.log(problem);
  if (found.length > 0) console.log('run `make bench`, or bench/figures.mjs write() after editing docs/bench.json by hand');
  process.exit(found.length > 0 ? 1 : 0);
}
