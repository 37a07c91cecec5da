// The two kinds of bench:cluster client, both as `{ send(data), close() }` calling `onData(data)` for each
// fan-out message: a Stagepass protocol client over `ws` (docs/protocol.md: connect, then `signal` without
// `to`, to the whole session) and a socket.io-client in a room (websocket transport, `sig` events).
import { createToken } from '@stagepass/token';
import { io } from 'socket.io-client';
import WebSocket from 'ws';

/** A fresh token of `app` for `sessionId` (role publisher: it may signal). */
export const mint = (app, sessionId) =>
  createToken({ appId: app.appId, secret: app.secret, sessionId, role: 'publisher' });

/** Admits one Stagepass client at `port` with `token`; resolves once `connected` arrived. */
export function joinStagepass({ port, appId, sessionId, token, onData = () => {} }) {
  const query = `appId=${encodeURIComponent(appId)}&sessionId=${encodeURIComponent(sessionId)}`;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/connect?${query}`, { perMessageDeflate: false });
  const client = {
    errors: [],
    send: (data) => ws.send(JSON.stringify({ type: 'signal', signalType: 'bench', data })),
    close: () => ws.terminate(),
  };
  return new Promise((resolve, reject) => {
    let admitted = false;
    ws.once('open', () => ws.send(JSON.stringify({ type: 'connect', v: 1, token })));
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw));
      if (m.type === 'signal') return onData(m.data);
      if (m.type === 'error') client.errors.push(m.code);
      if (m.type !== 'connected' || admitted) return;
      admitted = true;
      resolve(client);
    });
    ws.once('close', (code, reason) => {
      if (!admitted) reject(new Error(`refused at :${port}: ${code} ${String(reason)}`));
    });
    ws.once('error', reject);
  });
}

/** Connects one socket.io client to the node at `port`, in `room`; resolves once connected. */
export function joinSocketIo({ port, room, onData = () => {} }) {
  const socket = io(`http://127.0.0.1:${port}`, {
    transports: ['websocket'],
    query: { room },
    reconnection: false,
    forceNew: true,
  });
  socket.on('sig', onData);
  return new Promise((resolve, reject) => {
    socket.once('connect', () =>
      resolve({ errors: [], send: (data) => socket.emit('sig', data), close: () => socket.disconnect() }),
    );
    socket.once('connect_error', reject);
  });
}

/** Runs `tasks` (functions returning promises) at most `limit` at a time; resolves with their results in order. */
export async function inParallel(tasks, limit) {
  const results = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
