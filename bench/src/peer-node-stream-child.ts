/**
 * The bare-Node bulk peer, in its own process (started by peer-node-stream.ts): a plain `net`
 * server that answers every request on a connection with the same object from memory, as an
 * HTTP/1.1 response in two writes (head, then the whole body). What Node itself can send here.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const file = process.argv[2] ?? '';
const body = readFileSync(file);
const head = Buffer.from(
  `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nContent-Type: application/octet-stream\r\n\r\n`,
  'latin1',
);
const END_OF_HEAD = '\r\n\r\n';

const server = createServer({ noDelay: true }, (socket) => {
  let request = '';
  socket.on('data', (chunk: Buffer) => {
    request += chunk.toString('latin1');
    for (let end = request.indexOf(END_OF_HEAD); end >= 0; end = request.indexOf(END_OF_HEAD)) {
      request = request.slice(end + END_OF_HEAD.length);
      socket.cork();
      socket.write(head);
      socket.write(body);
      socket.uncork();
    }
  });
  socket.on('error', () => socket.destroy());
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ port: address !== null && typeof address === 'object' ? address.port : 0 });
});
process.on('disconnect', () => process.exit(0));
