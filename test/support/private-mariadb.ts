import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './asterisk';

// A MariaDB server of the suite's own, for faults that take the database away: stopping the
// run's shared server would break every lane. It listens on the lane's loopback (each lane is a
// network namespace) and keeps its data directory across stop() and start(), as a real server
// restarted after an outage does.

export class PrivateMariaDb {
  private child: ChildProcess | null = null;
  private output = '';
  private readonly dir = mkdtempSync(join(tmpdir(), 'sb-private-mariadb-'));

  constructor(readonly port = 3307) {}

  get url(): string {
    return `mysql://root@127.0.0.1:${this.port}`;
  }

  async install(): Promise<void> {
    await promisify(execFile)('mariadb-install-db', [
      '--no-defaults',
      `--datadir=${join(this.dir, 'data')}`,
      '--user=root',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ]);
  }

  // Idempotent: a running server is left as it is.
  async start(): Promise<void> {
    if (this.child && this.child.exitCode === null) return;
    const child = spawn(
      'mariadbd',
      [
        '--no-defaults',
        `--datadir=${join(this.dir, 'data')}`,
        `--socket=${join(this.dir, 'mysqld.sock')}`,
        `--pid-file=${join(this.dir, 'mysqld.pid')}`,
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        '--user=root',
        // The test connects as root from 127.0.0.1 without a password, as on the run's server.
        '--skip-grant-tables',
        '--skip-name-resolve',
        '--innodb-buffer-pool-size=64M',
        '--skip-log-bin',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    const keep = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-8_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await waitFor(
      'the private MariaDB to accept connections',
      async () => {
        if (child.exitCode !== null) throw new Error(`mariadbd exited:\n${this.output}`);
        return this.accepts();
      },
      30_000,
    );
  }

  // A clean shutdown (SIGTERM): what `systemctl stop mariadb` does. Resolves once it has exited.
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    this.child = null;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private accepts(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port: this.port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  }
}
