// The container image without a container daemon: base images made with debootstrap from the apt
// source this machine already uses, deploy/Dockerfile built by `buildah bud --isolation chroot`,
// and the result mounted and run with chroot. Everything lives in a storage of its own under the
// build directory, so no image of the machine's own container storage is touched.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// What the image test needs, and the Debian package that brings each command.
const TOOLS = {
  buildah: 'buildah', debootstrap: 'debootstrap', chroot: 'coreutils', unshare: 'util-linux',
  mount: 'mount', kubectl: 'kubectl (not in Debian 12; the deploy tests need it too)',
};

// Names what is missing, or returns null.
export function missingPrerequisites() {
  const missing = [];
  if (process.getuid() !== 0) missing.push('root (debootstrap, chroot and mount need it)');
  for (const [tool, pkg] of Object.entries(TOOLS)) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) missing.push(`${tool} (package ${pkg})`);
  }
  if (missing.length === 0) return null;
  return `the image test cannot run: missing ${missing.join(', ')}. ` +
    '`make test` installs the packages: apt-get install -y buildah debootstrap';
}

// The Debian archive this machine's apt takes bookworm from, read from its configuration
// (deb822 or one-line sources alike), never written into the repository.
export function aptMirror() {
  const targets = execFileSync('apt-get', ['indextargets', '--format', '$(TARGET_OF) $(RELEASE) $(REPO_URI)'], { encoding: 'utf8' });
  for (const line of targets.split('\n')) {
    const [type, release, uri] = line.trim().split(/\s+/);
    if (type === 'deb' && release === 'bookworm' && uri) return uri;
  }
  throw new Error('apt has no "deb ... bookworm" source configured, so there is nowhere to debootstrap from');
}

// The images the Dockerfile's FROM lines name (not its own stages).
export function baseImages(dockerfile) {
  const stages = new Set();
  const bases = [];
  for (const line of readFileSync(dockerfile, 'utf8').split('\n')) {
    const match = /^FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(line.trim());
    if (!match) continue;
    if (!stages.has(match[1]) && !bases.includes(match[1])) bases.push(match[1]);
    if (match[2]) stages.add(match[2]);
  }
  return bases;
}

// `debian:12` -> `docker.io/library/debian:12`, the name buildah resolves a short name to.
function qualified(name) {
  if (/^[^/]+\.[^/]+\//.test(name) || name.startsWith('localhost/')) return name;
  return `docker.io/${name.includes('/') ? '' : 'library/'}${name}`;
}

export class Buildah {
  constructor(workDir) {
    this.workDir = workDir;
    mkdirSync(workDir, { recursive: true });
    this.storage = ['--root', join(workDir, 'storage'), '--runroot', join(workDir, 'run'), '--storage-driver', 'overlay'];
  }

  run(args, options = {}) {
    return execFileSync('buildah', [...this.storage, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, ...options }).trim();
  }

  has(image) {
    return spawnSync('buildah', [...this.storage, 'inspect', '--type', 'image', image], { stdio: 'ignore' }).status === 0;
  }

  // Makes each base image the Dockerfile names from one minbase bookworm tree. The tarball is
  // kept in the build directory, so only the first run downloads. Returns what it did.
  ensureBases(names) {
    const tarball = join(this.workDir, 'debian-bookworm-minbase.tar');
    const steps = [];
    if (!existsSync(tarball)) {
      const rootfs = join(this.workDir, 'base-rootfs');
      rmSync(rootfs, { recursive: true, force: true });
      const mirror = aptMirror();
      execFileSync('debootstrap', ['--variant=minbase', 'bookworm', rootfs, mirror], { stdio: ['ignore', 'ignore', 'pipe'] });
      // As Debian's official images are made (debuerreotype): no package lists or caches in the
      // base, and apt keeps none in the layers built on it.
      execFileSync('sh', ['-c', 'rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/cache/apt/archives/*.deb', 'sh', rootfs]);
      writeFileSync(join(rootfs, 'etc/apt/apt.conf.d/docker-clean'),
        'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };\n' +
        'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };\n' +
        'Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";\n');
      execFileSync('tar', ['-C', rootfs, '-cf', `${tarball}.partial`, '.']);
      renameSync(`${tarball}.partial`, tarball);
      rmSync(rootfs, { recursive: true, force: true });
      steps.push(`debootstrap --variant=minbase bookworm from ${mirror}`);
    }
    for (const name of names.map(qualified)) {
      if (this.has(name)) continue;
      const container = this.run(['from', 'scratch']);
      try {
        this.run(['add', container, tarball, '/']);
        this.run(['config', '--env', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', '--cmd', 'bash', container]);
        this.run(['commit', '--quiet', container, name]);
      } finally {
        this.run(['rm', container]);
      }
      steps.push(`tagged ${name}`);
    }
    return steps;
  }

  // buildah bud with no daemon and no registry; the log goes to a file beside the storage.
  build({ dockerfile, context, tag }) {
    spawnSync('buildah', [...this.storage, 'rm', '--all'], { stdio: 'ignore' });
    const log = join(this.workDir, 'build.log');
    const result = spawnSync('buildah', [...this.storage, 'bud', '--isolation', 'chroot', '--pull=never',
      '-f', dockerfile, '-t', tag, context], { encoding: 'utf8', maxBuffer: 256 << 20 });
    writeFileSync(log, result.stdout + result.stderr);
    if (result.status !== 0) {
      throw new Error(`buildah bud failed (${log}):\n${(result.stdout + result.stderr).split('\n').slice(-40).join('\n')}`);
    }
    spawnSync('buildah', [...this.storage, 'rmi', '--prune'], { stdio: 'ignore' });
  }

  // The image's OCI configuration: User, WorkingDir, Entrypoint, Env, Labels.
  config(image) {
    return JSON.parse(this.run(['inspect', '--type', 'image', image])).OCIv1.config;
  }

  // A working container of `image`, mounted; returns { root, remove }.
  mount(image) {
    const container = this.run(['from', '--pull=never', image]);
    const root = this.run(['mount', container]);
    return {
      root,
      remove: () => {
        this.run(['umount', container]);
        this.run(['rm', container]);
      },
    };
  }

  // Bytes of the files in a mounted tree, counted once (no other filesystems).
  static treeBytes(root) {
    return Number(execFileSync('du', ['-sxb', root], { encoding: 'utf8' }).split('\t')[0]);
  }
}

// The command line that runs `argv` inside the mounted image the way a container runtime would:
// a private mount namespace, the root file system read-only (readOnlyRootFilesystem), /proc and
// /dev mounted, the pod's volumes (host directories, e.g. a Secret's files) bound read-only on
// their mount paths, the working directory and user set, and the environment passed as given.
export function inContainer({ root, mountPoint, user, workingDir, volumes = [] }, argv) {
  // The runtime creates a mount path in the container's own (writable) layer; resolved inside
  // the image, so a symlink such as /var/run -> /run never leads out of it.
  const targets = volumes.map(({ mountPath }) => {
    const inside = execFileSync('chroot', [root, 'realpath', '-m', mountPath], { encoding: 'utf8' }).trim();
    mkdirSync(join(root, inside), { recursive: true });
    return inside;
  });
  const script = [
    'set -e',
    'root=$1 mnt=$2 user=$3 dir=$4 volumes=$5',
    'shift 5',
    'mount --bind "$root" "$mnt"',
    'mount -o remount,bind,ro "$mnt"',
    'mount -t proc proc "$mnt/proc"',
    'mount --rbind /dev "$mnt/dev"',
    'while [ "$volumes" -gt 0 ]; do',
    '  mount --bind "$1" "$mnt$2"',
    '  mount -o remount,bind,ro "$mnt$2"',
    '  shift 2',
    '  volumes=$((volumes - 1))',
    'done',
    // chroot(1) always changes to the new root; env -C then enters the image's WORKDIR.
    'exec chroot --userspec="$user" "$mnt" /usr/bin/env -C "$dir" "$@"',
  ].join('\n');
  mkdirSync(mountPoint, { recursive: true });
  return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script, 'sh',
    root, mountPoint, user, workingDir, String(volumes.length),
    ...volumes.flatMap(({ dir }, i) => [dir, targets[i]]), ...argv];
}
