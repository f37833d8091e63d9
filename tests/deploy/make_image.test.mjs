// `make image` labels the image with the repository it was built from: never with the
// credentials a CI checkout writes into its remote's URL (labels are public to whoever pulls).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './lib/manifests.mjs';

const timeout = 30_000;

// What `make -n image` would run, in a checkout whose origin is `remote`.
function imageCommand(remote) {
  const dir = mkdtempSync(join(tmpdir(), 'auto-recorder-make-'));
  for (const file of ['Makefile', 'CMakeLists.txt']) copyFileSync(join(REPO, file), join(dir, file));
  execFileSync('git', ['init', '-q', dir]);
  execFileSync('git', ['-C', dir, 'remote', 'add', 'origin', remote]);
  return execFileSync('make', ['-s', '-n', '-C', dir, 'image'], { encoding: 'utf8' });
}

test('the source label keeps the repository and drops a token from its URL', { timeout }, () => {
  const command = imageCommand('https://ci-bot:glpat-s3cr3tT0ken@gitlab.example.com/team/recorder.git');
  assert.match(command, /--build-arg SOURCE_URL="https:\/\/gitlab\.example\.com\/team\/recorder\.git"/);
  assert.doesNotMatch(command, /s3cr3t|ci-bot/);
});

test('a plain URL and an scp-style remote are kept as they are', { timeout }, () => {
  assert.match(imageCommand('https://github.com/acme/recorder.git'), /SOURCE_URL="https:\/\/github\.com\/acme\/recorder\.git"/);
  assert.match(imageCommand('git@github.com:acme/recorder.git'), /SOURCE_URL="git@github\.com:acme\/recorder\.git"/);
});
