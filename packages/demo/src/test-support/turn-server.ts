/**
 * A real coturn (`turnserver`, Debian's `coturn` package) started by a test: its own free port on the
 * machine's non-loopback address (Chromium gathers no candidates on loopback), the TURN REST API scheme
 * (`use-auth-secret` + `static-auth-secret`), no daemon, no config file, its state in a temp folder.
 * Under CI=true a missing turnserver is a failure; locally the TURN tests skip with a loud notice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';

export const TURNSERVER_PATH = '/usr/bin/turnserver';
export const TURN_REALM = 'stagepass.test';

/** The machine's first non-loopback IPv4 address, or undefined. */
export function machineAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) if (entry.family === 'IPv4' && !entry.internal) return entry.address;
  }
  return undefined;
}

/** `undefined` when the TURN tests run, else why they skip (never under CI=true: there they fail instead). */
export function turnSkipReason(
  present = existsSync(TURNSERVER_PATH),
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  if (env.CI === 'true') return undefined;
  const reason = !present
    ? `${TURNSERVER_PATH} is missing (apt-get install -y coturn)`
    : machineAddress() === undefined
      ? 'this machine has no non-loopback IPv4 address'
      : undefined;
  if (reason !== undefined) console.error(`\n${'!'.repeat(78)}\n!! TURN TESTS SKIPPED: ${reason}\n${'!'.repeat(78)}\n`);
  return reason;
}

/** A port free for TCP and UDP on `host` (coturn listens on both). */
async function freePort(host: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, host, () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, host, () => socket.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error(`no port free for both TCP and UDP on ${host}`);
}

export interface TurnServer {
  readonly host: string;
  readonly port: number;
  /** `turn:HOST:PORT?transport=udp`. */
  readonly url: string;
  /** What turnserver printed (shown when a test fails). */
  readonly log: string[];
  stop(): Promise<void>;
}

/** Starts turnserver with `secret` as its static-auth-secret; resolves once it listens. */
export async function startTurnServer(secret: string): Promise<TurnServer> {
  if (!existsSync(TURNSERVER_PATH))
    throw new Error(`${TURNSERVER_PATH} is missing: .ci/run must apt-get install -y coturn (never a skip in CI)`);
  const host = machineAddress();
  if (host === undefined) throw new Error('no non-loopback IPv4 address: TURN needs one (Chromium skips loopback)');
  const port = await freePort(host);
  const dir = mkdtempSync(join(tmpdir(), 'stagepass-turn-'));
  // A relay range of its own, away from the listening port; 200 ports are plenty for a test.
  const minPort = 40_000 + Math.floor(Math.random() * 100) * 200;
  const args = [
    '-n', // no config file
    '--use-auth-secret',
    `--static-auth-secret=${secret}`,
    `--realm=${TURN_REALM}`,
    `--listening-ip=${host}`,
    `--relay-ip=${host}`,
    `--listening-port=${port}`,
    `--min-port=${minPort}`,
    `--max-port=${minPort + 199}`,
    '--no-tls',
    '--no-dtls',
    '--no-cli',
    '--fingerprint',
    '--log-file=stdout',
    '--simple-log',
    `--pidfile=${join(dir, 'turnserver.pid')}`,
    `--db=${join(dir, 'turndb')}`,
  ];
  const child: ChildProcess = spawn(TURNSERVER_PATH, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`turnserver did not start:\n${log.join('')}`)), 15_000);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      // Never keep the secret, even in a failure's output.
      log.push(text.replaceAll(secret, '<secret>'));
      if (/Total General servers/.test(log.join(''))) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`turnserver exited ${code}:\n${log.join('')}`));
    });
  });
  return {
    host,
    port,
    url: `turn:${host}:${port}?transport=udp`,
    log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
