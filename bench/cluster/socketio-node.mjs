// One socket.io node of bench:cluster: `node socketio-node.mjs redis://…`. Clients connect with
// ?room=NAME (websocket transport only) and join that room; a `sig` from any of them is broadcast to the
// whole room, the sender included, on every node through @socket.io/redis-adapter (Redis pub/sub) — the
// usual way to scale socket.io out, and the same fan-out as a Stagepass signal without `to`.
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const url = process.argv[2];
const pub = new Redis(url);
const sub = pub.duplicate();
const http = createServer();
const io = new Server(http, { adapter: createAdapter(pub, sub), transports: ['websocket'], serveClient: false });
io.on('connection', (socket) => {
  const room = String(socket.handshake.query.room);
  socket.join(room);
  socket.on('sig', (data) => io.to(room).emit('sig', data));
});
http.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: http.address().port })}\n`));
