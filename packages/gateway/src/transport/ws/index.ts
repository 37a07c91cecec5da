/**
 * The gateway's WebSocket transport over `ws`: everything that relies on ws, and on more of ws than
 * its typed API, is in this folder, and nothing outside it imports ws (tests aside). The rest of the
 * gateway sees a ClientProtocol (connection/client-protocol.ts) and a Peer.
 *
 * What this folder assumes of ws, and the test that fails when an assumption stops holding:
 *
 * 1. No permessage-deflate (create-ws-server.ts). ClientConnection.send writes each frame to the TCP
 *    socket itself, built once per fan-out by textFrame (unmasked, uncompressed, FIN).
 *    Guarded by: ws-assumptions.test.ts "negotiates no extension…"; text-frame.test.ts (ws's own
 *    Receiver parses our frames).
 * 2. No Blob is ever given to ws. With a Blob (or compression) ws queues every later frame until it
 *    is read, and the frames we write directly would overtake the queued ones.
 *    Guarded by: ws-assumptions.test.ts "ws writes its own frames to the socket at once…".
 * 3. ws writes its own control frames (ping, pong, close) at once, in call order, so they keep their
 *    place among the frames we write directly; once it has sent or received a close frame, we write
 *    nothing more (readyState).
 *    Guarded by: ws-assumptions.test.ts "ws writes its own frames to the socket at once…";
 *    client-connection.test.ts "writes nothing once ws has sent or received a close frame".
 * 4. ws's frame parser is the `_receiver` field of a socket (quiet-end.ts gives it, and the TCP
 *    socket, an `end` without the error objects of ws's redundant end() calls).
 *    Guarded by: quiet-end.test.ts "finds the frame parser of a ws server socket".
 * 5. ws reports a server socket's events (message, close, error, ping, pong) through `emit`, which
 *    GatewaySocket overrides to hand them to its connection without listeners.
 *    Guarded by: ws-assumptions.test.ts "GatewaySocket hands ws's events to its connection…"; every
 *    gateway-*.test.ts (gateway-limits.test.ts covers error (1009) and pong (half-open peer)).
 * 6. ws's frame parser calls `dataMessage` once per data frame, with `_fin` false on every frame but a
 *    message's last (count-fragments.ts counts those against the rate), and with `autoPong: false` it
 *    leaves pings to us (ClientConnection.ping answers within the rate).
 *    Guarded by: ws-assumptions.test.ts "ws's frame parser calls dataMessage once per data frame…";
 *    gateway-limits.test.ts (ping flood, fragment flood).
 */
export { createUpgradeHandler } from './accept-upgrade.js';
export type { UpgradeOptions } from './accept-upgrade.js';
export { ClientConnection } from './client-connection.js';
export type { TransportContext } from './client-connection.js';
export { createWsServer } from './create-ws-server.js';
export { countFragments } from './count-fragments.js';
