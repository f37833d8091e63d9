// A real PostgreSQL 15 (Debian's package), started for a test by tests/postgres.sh: its own data
// directory, loopback, a password, run as `nobody` when the tests run as root.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tempDir } from './recorder.mjs';

const SCRIPT = new URL('../../postgres.sh', import.meta.url).pathname;

export class PostgresServer {
  start() {
    this.dir = tempDir();
    rmSync(this.dir, { recursive: true, force: true }); // the script creates it, owned by its user
    this.url = execFileSync('bash', [SCRIPT, 'start', this.dir], { encoding: 'utf8' }).trim();
    const parsed = new URL(this.url);
    this.password = decodeURIComponent(parsed.password);
    this.port = Number(parsed.port);
    return this;
  }

  // The URL with its password left for the configuration to fill in from a variable.
  urlWithPassword(placeholder) {
    return this.url.replace(`:${this.password}@`, `:${placeholder}@`);
  }

  // Gone at once, as when its node dies; its data stays for restart().
  kill() {
    execFileSync('bash', [SCRIPT, 'kill', this.dir]);
  }

  restart() {
    execFileSync('bash', [SCRIPT, 'restart', this.dir]);
  }

  stop() {
    if (this.dir) execFileSync('bash', [SCRIPT, 'stop', this.dir]);
  }
}
