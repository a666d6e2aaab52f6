import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { waitFor } from './asterisk';

// Switchboard as a child process (src/main.ts, as `npm run dev` runs it), so a test can SIGKILL
// it at the worst moment and start it again on the same database.
export class SwitchboardProcess {
  child: ChildProcess | null = null;
  url = '';
  output = '';

  // 'build': the production build (dist/src/main.js, what `npm run up` runs; `npm run build`
  // first), for figures such as memory that the TypeScript loader would distort.
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly entry: 'source' | 'build' = 'source',
  ) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  async start(): Promise<void> {
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    const root = join(__dirname, '..', '..');
    const args =
      this.entry === 'build'
        ? [join(root, 'dist/src/main.js')]
        : ['--import', join(root, 'node_modules/tsx/dist/loader.mjs'), join(root, 'src/main.ts')];
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...this.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await waitFor(
      'the Switchboard child to answer /healthz',
      async () => {
        if (child.exitCode !== null) throw new Error(`Switchboard exited: ${this.output}`);
        const res = await fetch(`${this.url}/healthz`).catch(() => null);
        return res?.status === 200;
      },
      60_000,
    );
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
    this.child = null;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}
