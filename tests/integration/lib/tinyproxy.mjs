// A real HTTP proxy on loopback: Debian's tinyproxy, with basic auth, in the foreground, with a
// log of every request it handles.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, tempDir } from './recorder.mjs';
import { until } from './wait.mjs';

export function tinyproxyAvailable() {
  return spawnSync('sh', ['-c', 'command -v tinyproxy']).status === 0;
}

export class TinyProxy {
  constructor({ user = 'proxyuser', password = 'Pr0xy-Passw0rd-6d1f' } = {}) {
    this.user = user;
    this.password = password;
    this.dir = tempDir();
    this.logFile = join(this.dir, 'tinyproxy.log');
  }

  async start() {
    this.port = await freePort();
    const config = join(this.dir, 'tinyproxy.conf');
    // No ConnectPort line: CONNECT to any port (the stand-in's is random).
    writeFileSync(config, [
      `Port ${this.port}`, 'Listen 127.0.0.1', 'Timeout 30', `LogFile "${this.logFile}"`, 'LogLevel Info',
      'MaxClients 100', 'Allow 127.0.0.1', `BasicAuth ${this.user} ${this.password}`, '',
    ].join('\n'));
    this.child = spawn('tinyproxy', ['-d', '-c', config], { stdio: 'ignore' });
    await until(() => this.log().includes('Accepting connections'), 'tinyproxy to start', 5000, 20)
      .catch((e) => { throw new Error(`${e.message}:\n${this.log()}`); });
    return this;
  }

  log() {
    try { return readFileSync(this.logFile, 'utf8'); } catch { return ''; }
  }

  // The requests it took: "CONNECT 127.0.0.1:1234" or "POST http://127.0.0.1:1234/twirp/...".
  requests() {
    return [...this.log().matchAll(/Request \(file descriptor \d+\): (\S+ \S+)/g)].map((m) => m[1]);
  }

  url({ password = this.password } = {}) {
    return `http://${this.user}:${password}@127.0.0.1:${this.port}`;
  }

  async stop() {
    this.child.kill('SIGTERM');
    await new Promise((resolve) => this.child.on('exit', resolve));
  }
}
