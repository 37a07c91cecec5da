// A minimal Stagepass protocol client for the media benchmark's processes (docs/protocol.md):
// connect with a token, requests with ids answered by ack/error, and waiting for a pushed message.
import WebSocket from 'ws';

export async function join(url, token, v) {
  const ws = new WebSocket(url);
  const inbox = [];
  const waiters = [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data));
    const i = waiters.findIndex((w) => w.match(m));
    if (i >= 0) waiters.splice(i, 1)[0].resolve(m);
    else inbox.push(m);
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const next = (match, timeoutMs = 20_000) => {
    const i = inbox.findIndex(match);
    if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve };
      waiters.push(waiter);
      setTimeout(() => {
        const at = waiters.indexOf(waiter);
        if (at < 0) return;
        waiters.splice(at, 1);
        reject(new Error(`no matching message within ${timeoutMs} ms`));
      }, timeoutMs).unref();
    });
  };
  let nextId = 1;
  const send = (m) => ws.send(JSON.stringify(m));
  const request = async (message) => {
    const id = nextId++;
    send({ ...message, id });
    const reply = await next((m) => (m.type === 'ack' || m.type === 'error') && m.id === id);
    if (reply.type !== 'ack') throw new Error(`${message.type} refused: ${JSON.stringify(reply)}`);
    return reply.result;
  };
  send({ type: 'connect', v, token });
  await next((m) => m.type === 'connected');
  return { ws, send, request, next, close: () => ws.close() };
}
