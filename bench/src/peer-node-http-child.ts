/**
 * The runtime's own ceiling for small HTTP answers, run by peer-node-http.ts in a child
 * process: a bare `net` server answering every request head (pipelined ones too) with one
 * pre-built 200 of `size` bytes. No parsing beyond finding each head's end, no routing, no
 * cache: what a Node program cannot beat on this machine.
 */
import { createServer } from 'node:net';

const size = Number(process.argv[2] ?? '0');
const answer = Buffer.concat([
  Buffer.from(
    `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${size}\r\n` +
      `Connection: keep-alive\r\n\r\n`,
    'latin1',
  ),
  Buffer.alloc(size, 0x61),
]);
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');

const server = createServer((socket) => {
  // The last bytes of a read, in case a head's end is split across two reads.
  let carry: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let heads = 0;
    let at = bytes.indexOf(HEAD_END);
    let consumed = 0;
    while (at >= 0) {
      heads += 1;
      consumed = at + HEAD_END.length;
      at = bytes.indexOf(HEAD_END, consumed);
    }
    carry = bytes.subarray(consumed);
    socket.cork();
    for (let index = 0; index < heads; index += 1) socket.write(answer);
    socket.uncork();
  });
  socket.on('error', () => socket.destroy());
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address !== 'string') process.send?.({ port: address.port });
});
process.on('disconnect', () => process.exit(0));
