// Every node:test test has a timeout of its own, so that a hang names the test: ctest's TIMEOUT
// names only the file, and `node --test --test-timeout` on Node 20 does too.
//   node tests/node_timeouts.mjs FILE...   exits 1 and names each test without one
import { readFileSync } from 'node:fs';

let missing = 0;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  // A call of test( at the start of a line, its name, then the options it is given.
  const calls = text.matchAll(/^\s*test\((['"`])((?:\\.|(?!\1)[^\\])*)\1,\s*([^\n]*)/gm);
  for (const [, , name, rest] of calls) {
    if (/^\{[^}]*\btimeout\b/.test(rest)) continue;
    console.log(`${file}: test '${name}' has no { timeout }`);
    missing += 1;
  }
}
process.exit(missing > 0 ? 1 : 0);
