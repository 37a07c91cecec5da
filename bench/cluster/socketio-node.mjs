#!/usr/bin/env node
// One socket.io node of the cluster benchmark's baseline, alone in its process:
//   node bench/cluster/socketio-node.mjs <redis port>
// socket.io with @socket.io/redis-adapter (ioredis, one publishing and one subscribing connection): the usual way
// to spread one room over several socket.io servers. Listens on 127.0.0.1, a free port, WebSocket transport only
// (no long-polling, no per-message deflate), and prints one JSON line {"port"} on stdout. A client emits
// `join` (room) once, then `signal` (data): the node sends `signal` (data) to everyone in the room on every node,
// the sender too, as the gateway does. End of stdin closes it.
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const redisPort = Number(process.argv[2]);
if (!(redisPort > 0)) {
  process.stderr.write('usage: node bench/cluster/socketio-node.mjs <redis port>\n');
  process.exit(2);
}
const pub = new Redis({ host: '127.0.0.1', port: redisPort });
const sub = pub.duplicate();
const http = createServer();
const io = new Server(http, {
  transports: ['websocket'],
  perMessageDeflate: false,
  serveClient: false,
  adapter: createAdapter(pub, sub),
});
io.on('connection', (socket) => {
  let room;
  socket.on('join', (name) => {
    room = String(name);
    void socket.join(room);
    socket.emit('joined');
  });
  socket.on('signal', (data) => {
    if (room !== undefined) io.to(room).emit('signal', data);
  });
});
http.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: http.address().port })}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => {
  io.close();
  pub.disconnect();
  sub.disconnect();
  setTimeout(() => process.exit(0), 200).unref();
});
