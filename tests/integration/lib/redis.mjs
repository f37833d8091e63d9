// A real redis-server (Debian's package) on a free loopback port, started and stopped by the test
// the way an operator's Redis comes and goes; redis-cli to look inside.
import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { freePort, tempDir } from './recorder.mjs';

import { until } from './wait.mjs';

function accepts(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => { socket.destroy(); resolve(true); });
    socket.on('error', () => resolve(false));
  });
}

export class RedisServer {
  // args: extra redis-server arguments, e.g. ['--requirepass', 'x']. tls: { cert, key, ca } serves
  // TLS only. sentinelOf: a RedisServer this one watches as a Sentinel (master name "mymaster").
  // cliArgs: what redis-cli needs to get in (['--tls', '--cacert', ca, '-a', password]).
  constructor({ args = [], tls, sentinelOf, cliArgs = [] } = {}) {
    this.args = args;
    this.cliArgs = cliArgs;
    this.tls = tls;
    this.sentinelOf = sentinelOf;
    this.dir = tempDir();
    this.output = '';
  }

  async start() {
    this.port ??= await freePort();
    const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir];
    let argv;
    if (this.sentinelOf) {
      const config = join(this.dir, 'sentinel.conf');
      writeFileSync(config, `port ${this.port}\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 ${this.sentinelOf.port} 1\n`);
      argv = [config, '--sentinel'];
    } else if (this.tls) {
      argv = ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', this.tls.cert, '--tls-key-file', this.tls.key,
        '--tls-ca-cert-file', this.tls.ca, '--tls-auth-clients', 'no', ...common, ...this.args];
    } else {
      argv = ['--port', String(this.port), ...common, ...this.args];
    }
    this.child = spawn('redis-server', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (c) => { this.output += c; });
    this.child.stderr.on('data', (c) => { this.output += c; });
    this.exit = new Promise((resolve) => this.child.on('exit', resolve));
    await until(() => accepts(this.port), 'redis-server to accept connections', 10000, 20).catch((e) => {
      throw new Error(`redis-server did not start (${e.message}):\n${this.output}`);
    });
    return this;
  }

  // SIGKILL by default: Redis gone at once, as when its node dies.
  async stop(signal = 'SIGKILL') {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill(signal);
    await this.exit;
  }

  cli(...args) {
    return execFileSync('redis-cli', ['-p', String(this.port), '--raw', '--no-auth-warning', ...this.cliArgs, ...args], { encoding: 'utf8' }).trim();
  }
}
