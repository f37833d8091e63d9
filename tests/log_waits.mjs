// A test waits on the recorder's log only where the line is the behaviour: what it tells the
// operator. Anything else is awaited where a user sees it: the stand-in's calls, /metrics, an HTTP
// answer, the ledger. A wait on log text says why in a `// log: ...` comment, on its line or in
// the comment just above it.
//   node tests/log_waits.mjs FILE...   exits 1 and names each wait on log text without a reason
import { readFileSync } from 'node:fs';

const WAIT = /\bwaitForLogLine\(|\buntil\(.*(\.output\b|\.lines\()/;
const REASON = /\/\/ log: \S.{9,}/;
// The line's own comment, or one in the block of comment lines right above it.
function reasoned(lines, i) {
  if (REASON.test(lines[i])) return true;
  for (let j = i - 1; j >= 0 && /^\s*\/\//.test(lines[j]); j -= 1) if (REASON.test(lines[j])) return true;
  return false;
}

let missing = 0;
for (const file of process.argv.slice(2)) {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (!WAIT.test(line) || reasoned(lines, i)) return;
    console.log(`${file}:${i + 1}: waits on log text without a "// log: why" reason: ${line.trim()}`);
    missing += 1;
  });
}
process.exit(missing > 0 ? 1 : 0);
