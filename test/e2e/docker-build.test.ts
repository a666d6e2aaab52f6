import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createApiToken } from '../../src/auth/tokens';
import { createKnex } from '../../src/db/knex';
import { waitFor } from '../support/asterisk';
import { prepareTestDatabase } from '../support/db-template';
import { remoteAsteriskEnv, requireAsterisk, testEnv } from '../support/env';

// The Docker image, built and run without a Docker engine (there is none on the test machines,
// and no image registry to pull node:20-bookworm-slim from). The Dockerfile itself is read and its
// stages are carried out in folders standing for /app: every COPY, the npm and tsc RUN steps, the
// ENV and the CMD, as written. Left out are the RUN steps that change the system itself (apt-get:
// sox and espeak-ng; groupadd/useradd: the non-root user) and `npm cache clean` (it only shrinks
// the image and would empty this machine's cache); the test lists what it skipped and fails on
// any other. The result runs as the container would: the runtime stage's production dependencies
// only, no Asterisk CLI anywhere, Asterisk on "another host" (ARI, and the AMI over TLS).

const ROOT = join(__dirname, '..', '..');

interface Instruction {
  op: string;
  args: string;
}

interface Stage {
  name: string;
  instructions: Instruction[];
}

function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  let logical = '';
  const lines: string[] = [];
  for (const raw of text.split('\n')) {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && logical === '')) continue;
    if (trimmed.endsWith('\\')) {
      logical += `${trimmed.slice(0, -1)} `;
      continue;
    }
    lines.push(logical + trimmed);
    logical = '';
  }
  for (const line of lines) {
    const m = /^([A-Z]+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [, op, args] = m as unknown as [string, string, string];
    if (op === 'FROM') {
      stages.push({ name: /\bAS\s+(\S+)$/i.exec(args)?.[1] ?? String(stages.length), instructions: [] });
      continue;
    }
    stages.at(-1)?.instructions.push({ op, args: args.replace(/\s+/g, ' ').trim() });
  }
  return stages;
}

// `ENV A=1 B=2` (or the old `ENV A 1`), values without quotes as this Dockerfile writes them.
function envPairs(args: string): Record<string, string> {
  if (!args.includes('=')) {
    const [k, ...v] = args.split(' ');
    return { [k!]: v.join(' ') };
  }
  return Object.fromEntries(args.split(' ').map((p) => p.split('=', 2) as [string, string]));
}

const SYSTEM_STEPS = /^(apt-get|groupadd|useradd|mkdir|chown|chmod|rm -rf \/var\/lib\/apt)/;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

describe('the Docker image, built from its Dockerfile without a Docker engine', () => {
  const work = mkdtempSync(join(tmpdir(), 'sb-image-'));
  const stageDir = new Map<string, string>();
  const env: Record<string, string> = {};
  const skipped: string[] = [];
  let cmd: string[] = [];
  let healthcheck: string[] = [];
  const dbName = `sb_test_${randomBytes(5).toString('hex')}`;
  const db = createKnex(`${testEnv.mysqlServer}/${dbName}`, { min: 0, max: 2 });
  let child: ChildProcess | null = null;
  let output = '';
  let url = '';
  let token = '';

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await db.raw(`DROP DATABASE IF EXISTS \`${dbName}\``).catch(() => undefined);
    await db.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  it('carries out the build and runtime stages: TypeScript compiled, production dependencies only', () => {
    const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    for (const stage of stages) {
      const dir = join(work, stage.name);
      mkdirSync(dir, { recursive: true });
      stageDir.set(stage.name, dir);
      for (const { op, args } of stage.instructions) {
        if (op === 'WORKDIR') expect(args).toBe('/app');
        else if (op === 'COPY') {
          const words = args.split(' ');
          const from = words[0]!.startsWith('--from=') ? words.shift()!.slice('--from='.length) : null;
          const dest = words.pop()!;
          for (const src of words) {
            const source = from ? join(stageDir.get(from)!, src.replace(/^\/app\//, '')) : join(ROOT, src);
            const target = dest.endsWith('/') ? join(dir, dest, src.split('/').pop()!) : join(dir, dest);
            mkdirSync(dirname(target), { recursive: true });
            cpSync(source, target, { recursive: true });
          }
        } else if (op === 'RUN') {
          for (const step of args.split(' && ')) {
            if (SYSTEM_STEPS.test(step) || step.startsWith('npm cache clean')) {
              skipped.push(step.split(' ')[0]!);
              continue;
            }
            const run = spawnSync('sh', ['-c', step], {
              cwd: dir,
              // The npm cache of this machine stands for the registry: the lock file pins the same.
              env: { ...process.env, npm_config_prefer_offline: 'true', NODE_ENV: env['NODE_ENV'] ?? '' },
              encoding: 'utf8',
              timeout: 300_000,
            });
            expect({
              step,
              status: run.status,
              err: run.status === 0 ? '' : run.stderr.slice(-2000),
            }).toEqual({
              step,
              status: 0,
              err: '',
            });
          }
        } else if (op === 'ENV' && stage.name === 'runtime') Object.assign(env, envPairs(args));
        else if (op === 'CMD') cmd = JSON.parse(args) as string[];
        else if (op === 'HEALTHCHECK')
          healthcheck = JSON.parse(args.slice(args.indexOf('CMD ') + 4)) as string[];
      }
    }
    expect([...new Set(skipped)].sort()).toEqual([
      'apt-get',
      'chmod',
      'chown',
      'groupadd',
      'mkdir',
      'npm',
      'rm',
      'useradd',
    ]);
    const app = stageDir.get('runtime')!;
    expect(existsSync(join(app, 'dist/src/main.js'))).toBe(true);
    expect(existsSync(join(app, 'dist/src/asterisk/ami.js'))).toBe(true);
    // Production dependencies only: no compiler, no test runner.
    expect(existsSync(join(app, 'node_modules/typescript'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/jest'))).toBe(false);
    expect(cmd).toEqual(['node', 'dist/src/main.js']);
    expect(env).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0' });
  }, 600_000);

  it('runs as the container would, with Asterisk on another host: no CLI, the AMI over TLS', async () => {
    requireAsterisk();
    // What a container has: no asterisk binary on the PATH.
    expect(spawnSync('sh', ['-c', 'command -v asterisk']).status).not.toBe(0);
    await prepareTestDatabase(testEnv.mysqlServer, dbName);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const { ASTERISK_CLI: _noCliOverride, ...remote } = remoteAsteriskEnv();
    const runEnv: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'],
      ...env,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATABASE_URL: `${testEnv.mysqlServer}/${dbName}`,
      ARI_URL: testEnv.ariUrl,
      ARI_USERNAME: testEnv.ariUsername,
      ARI_PASSWORD: testEnv.ariPassword,
      ...remote,
      // The volumes of the documented `docker run`.
      ASTERISK_CONFIG_DIR: testEnv.asteriskConfigDir,
      ASTERISK_SOUNDS_DIR: testEnv.asteriskSoundsDir,
      ASTERISK_SPOOL_DIR: testEnv.asteriskSpoolDir,
      ASTERISK_LOG_DIR: testEnv.asteriskLogDir,
      SWITCHBOARD_STATE_DIR: testEnv.stateDir,
      CALLDATA_HISTORY: 'skip',
    };
    const [bin, ...args] = cmd;
    expect(bin).toBe('node');
    const proc = spawn(process.execPath, args, {
      cwd: stageDir.get('runtime')!,
      env: runEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    const keep = (b: Buffer) => {
      output = (output + b.toString()).slice(-20_000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    await waitFor(
      'the built Switchboard to answer /healthz',
      async () => {
        if (proc.exitCode !== null) throw new Error(`Switchboard exited: ${output}`);
        return (await fetch(`${url}/healthz`).catch(() => null))?.status === 200;
      },
      60_000,
    );
    // The image's own HEALTHCHECK command, as Docker would run it.
    const [hcBin, ...hcArgs] = healthcheck;
    expect(hcBin).toBe('node');
    expect(spawnSync(process.execPath, hcArgs, { env: runEnv, timeout: 10_000 }).status).toBe(0);

    const admin = (await db('users').where({ username: 'admin' }).first()) as { id: number };
    token = await createApiToken(db, admin.id, 'image');
    const trunk = await api('POST', '/api/v1/trunks', {
      name: 'image-reg',
      kind: 'registration',
      host: '127.0.0.9',
      port: 5099,
      username: 'sb-image',
      password: 'image-pass-123',
      registration_expiry: 120,
      retry_interval: 10,
    });
    expect(trunk.status).toBe(201);
    try {
      const status = await waitFor('a registration status over the AMI', async () => {
        const r = await api('GET', `/api/v1/trunks/${trunk.body.id}`);
        return r.body.status.registration !== 'unknown' && r.body.status;
      });
      expect(status.registration).toMatch(/^(unregistered|rejected)$/);
      const wallboard = await api('GET', '/api/v1/wallboard');
      expect(wallboard.body.asterisk).toBe('ok');
    } finally {
      expect((await api('DELETE', `/api/v1/trunks/${trunk.body.id}`)).status).toBe(204);
    }
  }, 120_000);
});
