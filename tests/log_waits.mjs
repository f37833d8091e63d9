// A test waits on the recorder's log only where the line is the behaviour: what it tells the
// operator. Anything else is awaited where a user sees it: the stand-in's calls, /metrics, an HTTP
// answer, the ledger. A wait on log text says why in a `// log: ...` comment, on its line or the
// line above; waitForOutput, the old name, is gone.
//   node tests/log_waits.mjs FILE...   exits 1 and names each wait on log text without a reason
import { readFileSync } from 'node:fs';

const WAIT = /\bwaitFor(LogLine|Output)\(|\buntil\(.*(\.output\b|\.lines\()/;
const REASON = /\/\/ log: \S.{9,}/;
let missing = 0;
for (const file of process.argv.slice(2)) {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (!WAIT.test(line) || REASON.test(line) || REASON.test(lines[i - 1] ?? '')) return;
    console.log(`${file}:${i + 1}: waits on log text without a "// log: why" reason: ${line.trim()}`);
    missing += 1;
  });
}
process.exit(missing > 0 ? 1 : 0);
