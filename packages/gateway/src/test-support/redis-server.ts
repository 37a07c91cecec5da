/**
 * A real `redis-server` for tests, started on a free port in a temp folder (no persistence). Under
 * CI=true a missing redis-server is a failure; locally the Redis tests skip with a loud notice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** redis-server on the PATH, or undefined. */
export function findRedisServer(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'redis-server');
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * `undefined` when the Redis tests run, else why they skip. Under CI=true they never skip: a missing
 * redis-server makes {@link startRedis} fail the suite.
 */
export function redisSkipReason(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  if (findRedisServer() !== undefined || env.CI === 'true') return undefined;
  const reason = 'redis-server is missing (apt-get install -y redis-server)';
  console.error(`\n${'!'.repeat(78)}\n!! REDIS (CLUSTER) TESTS SKIPPED: ${reason}\n${'!'.repeat(78)}\n`);
  return reason;
}

/** A free TCP port on 127.0.0.1 (free when asked: the caller binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export class TestRedis {
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly bin: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<TestRedis> {
    const bin = findRedisServer();
    if (bin === undefined)
      throw new Error('redis-server is missing: .ci/run must apt-get install -y redis-server (never a skip in CI)');
    const redis = new TestRedis(await freePort(), mkdtempSync(join(tmpdir(), 'stagepass-redis-')), bin);
    await redis.run();
    return redis;
  }

  /** Starts the server (again) on its port. */
  async run(): Promise<void> {
    const child = spawn(
      this.bin,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir],
      { stdio: 'ignore' },
    );
    this.process = child;
    const deadline = Date.now() + 10_000;
    while (!(await accepts(this.port))) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('redis-server did not accept connections within 10 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Kills the server (an outage); `run()` brings it back, empty. */
  async kill(): Promise<void> {
    const child = this.process;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    this.process = undefined;
  }

  /** Hangs the server (SIGSTOP): its connections stay open, nothing answers; `wake()` resumes it. */
  hang(): void {
    this.process?.kill('SIGSTOP');
  }

  wake(): void {
    this.process?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    this.wake();
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
