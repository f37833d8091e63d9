// The figures the README and docs/performance.md quote, in one place: `make bench` (bench/run.mjs)
// writes what it measured to docs/bench.json, next to its table in docs/performance.md, and
// rewrites the marked figures of both files from it with write(). lint.figures runs this file with
// --check: a marked figure that is not the latest run's, or a table from another run than
// docs/bench.json, fails it.
//   node bench/figures.mjs --check   exit 1, naming each stale figure
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
export const JSON_PATH = join(ROOT, 'docs/bench.json');
const README = 'README.md';
const PERFORMANCE = 'docs/performance.md';

const thousands = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
const hundreds = (n) => thousands(Math.round(n / 100) * 100);
const times = (a, b) => `${(a / b).toFixed(1)}×`;
const mb = (value, digits = 1) => `${value.toFixed(digits)} MB`;
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

// Each marked place, by file: <!-- figures:NAME -->text<!-- /figures -->.
export function render(f) {
  return {
    [README]: {
      // A webhook the recorder ignores (the load's participant_joined); 300 of them: a room of 50
      // participants who each join, publish two tracks and leave, with their other events.
      events: `about ${Math.round(f.cpuUserUs + f.cpuKernelUs)} µs of CPU each (${f.cpuUserUs.toFixed(1)} µs user + ` +
        `${f.cpuKernelUs.toFixed(1)} µs kernel, the latest\n\`make bench\`), so a room of 50 participants who each ` +
        `join, publish two tracks and leave (about\n300 events) costs it about ` +
        `${Math.round((300 * (f.cpuUserUs + f.cpuKernelUs)) / 1000)} ms of CPU`,
      intro: `a ${mb(f.binaryMb)} stripped binary, ${mb(f.idleMb, 0)} resident when idle`,
      trust: `${hundreds(f.webhooksPerS)} verified webhooks/s (${times(f.webhooksPerS, f.peerWebhooksPerS)} a ` +
        `Node receiver on LiveKit's SDK, ${times(f.webhooksPerS, f.nginxPerS)} a do-nothing nginx on\n` +
        `  the same cores that day), ${mb(f.idleMb)} resident idle and ${mb(f.peakMb)} at peak, a burst ` +
        `of ${f.burstRooms} rooms all\n  recording ${seconds(f.burstRecordedMs)} after the first webhook ` +
        `(the Node receiver: ${seconds(f.peerBurstRecordedMs)}), ${thousands(f.scaleRooms)} rooms found by the\n` +
        `  reconciler in a peak of ${mb(f.scalePeakMb, 0)}, \`report\` over a million sessions in under ` +
        `${Math.ceil(f.reportPeakMb)} MB`,
    },
    [PERFORMANCE]: {
      day: `nginx reached ${hundreds(f.nginxPerS)} requests/s and the Node peer ${hundreds(f.peerWebhooksPerS)}; ` +
        `the instruction count\nwas ${thousands(f.instructionsPerWebhook)} per verified webhook ` +
        `(${thousands(f.previousInstructionsPerWebhook)} in the run before)`,
    },
  };
}

const marked = /<!-- figures:([a-z]+) -->([\s\S]*?)<!-- \/figures -->/g;

function applyTo(text, blocks) {
  return text.replace(marked, (whole, name) =>
    (name in blocks ? `<!-- figures:${name} -->${blocks[name]}<!-- /figures -->` : whole));
}

// What is stale in one file, in words; empty when its marked figures are the latest run's.
function staleIn(file, text, blocks) {
  const out = [];
  const found = new Map([...text.matchAll(marked)].map((m) => [m[1], m[2]]));
  for (const [name, wanted] of Object.entries(blocks)) {
    if (!found.has(name)) out.push(`${file} has no <!-- figures:${name} --> place`);
    else if (found.get(name) !== wanted) {
      out.push(`${file} figures:${name} is not the latest run's: "${found.get(name)}" should be "${wanted}"`);
    }
  }
  for (const name of found.keys()) {
    if (!(name in blocks)) out.push(`${file} figures:${name}: bench/figures.mjs renders no such place`);
  }
  return out;
}

// `texts`: each file's text by its path from the repository's root.
export function problems(texts, figures) {
  const blocks = render(figures);
  const out = Object.keys(blocks).flatMap((file) => staleIn(file, texts[file], blocks[file]));
  if (!texts[PERFORMANCE].includes(`Measured ${figures.measured} UTC`)) {
    out.push(`${PERFORMANCE}'s table is not from the run of docs/bench.json (${figures.measured} UTC)`);
  }
  return out;
}

export function write(figures) {
  writeFileSync(JSON_PATH, `${JSON.stringify(figures, null, 2)}\n`);
  for (const [file, blocks] of Object.entries(render(figures))) {
    const path = join(ROOT, file);
    writeFileSync(path, applyTo(readFileSync(path, 'utf8'), blocks));
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname && process.argv.includes('--check')) {
  const figures = JSON.parse(readFileSync(JSON_PATH, 'utf8'));
  const texts = Object.fromEntries([README, PERFORMANCE].map((f) => [f, readFileSync(join(ROOT, f), 'utf8')]));
  const found = problems(texts, figures);
  for (const problem of found) console.log(problem);
  if (found.length > 0) console.log('run `make bench`, or bench/figures.mjs write() after editing docs/bench.json by hand');
  process.exit(found.length > 0 ? 1 : 0);
}
