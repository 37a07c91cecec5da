#!/usr/bin/env node
// The resume measurement, in its own process (the gateway runs in another, bench/gateway/server.mjs gateway):
//   node bench/client/resume.mjs --port P --app-id A --secret S [--drops 20]
//
// An SDK session (@stagepass/client with `ws`) joins through a TCP proxy in this process (the client's test
// helper, packages/client/src/test-support/tcp-proxy.ts), with a second session in the same session directly, so
// the resume has someone to report on. Then, `--drops` times: the proxy destroys both TCP connections at once
// (no close frame either way, as a network drop) and the time from that cut to the session's `reconnected`
// event is taken (one clock, this process). Each must be a resume: `resumed: true`, the same connection ID, the
// other connection still there. For scale, the same session's first `connect()` through the proxy is timed too.
// Prints ONE JSON line on stdout: {"resumeMs":[…], "connectMs":[…]}. Exits 1 when a drop is not resumed.
import { connect } from '@stagepass/client';
import { createMinter } from '@stagepass/token';
import { WebSocket } from 'ws';
import { TcpProxy } from '../../packages/client/dist/test-support/tcp-proxy.js';

const WAIT_MS = 10_000;

function parseArgs(argv) {
  const options = { port: 0, appId: '', secret: '', drops: 20 };
  const names = { '--port': 'port', '--app-id': 'appId', '--secret': 'secret', '--drops': 'drops' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i]];
    if (key === undefined || argv[i + 1] === undefined) usage();
    options[key] = typeof options[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  }
  if (!(options.port > 0) || options.appId === '' || options.secret === '' || !(options.drops >= 1)) usage();
  return options;
}

function usage() {
  process.stderr.write('usage: node bench/client/resume.mjs --port P --app-id A --secret S [--drops N]\n');
  process.exit(2);
}

function next(session, type) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} within ${WAIT_MS} ms`)), WAIT_MS);
    session.once(type, (event) => {
      clearTimeout(timer);
      resolve(event);
    });
  });
}

const round1 = (x) => Math.round(x * 10) / 10;
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const direct = `ws://127.0.0.1:${o.port}`;
  const proxy = await TcpProxy.start(direct);
  const minter = createMinter({ appId: o.appId, secret: o.secret });
  const sessionId = `resume-${process.pid}`;
  const options = (url) => ({
    url,
    appId: o.appId,
    sessionId,
    token: minter.mint({ sessionId, ttl: '1h' }),
    WebSocket,
  });
  const other = await connect(options(direct));
  const connectMs = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const probe = await connect(options(proxy.url));
    connectMs.push(round1(performance.now() - t0));
    await probe.disconnect();
  }
  const session = await connect(options(proxy.url));
  const id = session.connection.id;
  const resumeMs = [];
  try {
    for (let i = 0; i < o.drops; i++) {
      await pause(50);
      const reconnected = next(session, 'reconnected');
      const t0 = performance.now();
      proxy.cut();
      const event = await reconnected;
      resumeMs.push(round1(performance.now() - t0));
      if (!event.resumed || session.connection.id !== id || !session.connections.has(other.connection.id))
        throw new Error(`drop ${i + 1} was not a resume of the same connection: ${JSON.stringify(event)}`);
    }
  } finally {
    await session.disconnect();
    await other.disconnect();
    await proxy.stop();
  }
  process.stdout.write(`${JSON.stringify({ resumeMs, connectMs })}\n`);
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`resume.mjs: ${err?.stack ?? err}\n`);
  process.exit(1);
});
