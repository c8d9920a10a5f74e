/**
 * Node's own accept ceiling for B1 (started by peer-accept-loop.ts with fork()): a bare
 * `net.Server` that answers each connection's first bytes with one pre-built frame, as the
 * balancer answers a route, and does nothing else (no sniffing, parsing, timers or logs).
 */
import { createServer } from 'node:net';

const answer = Buffer.from(process.argv[2] ?? '', 'base64');

const server = createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => undefined);
  socket.on('data', () => socket.write(answer));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('disconnect', () => process.exit(0));
