/**
 * B10's peer for probing cost (started by b10-prober.ts with fork()): the least a Node process
 * can do to probe `count` replicas every `interval` ms over persistent connections. One timer
 * writes a ping to every connection; each pong's frame is cut out and its JSON parsed. No
 * health, no per-ping timeout, no events: Node's own cost of the same pings on this machine.
 */
import { connect, type Socket } from 'node:net';
import { encodeMessage, encodePreamble } from '@cdn-lab/protocol';
import { b10Address } from './b10-addresses.js';

const count = Number(process.argv[2] ?? '0');
const port = Number(process.argv[3] ?? '0');
const intervalMs = Number(process.argv[4] ?? '250');
const HEADER = 5;

let pongs = 0;

function open(index: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: b10Address(index), port }, () => resolve(socket));
    socket.setNoDelay(true);
    socket.once('error', reject);
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= HEADER) {
        const length = pending.readUInt32BE(0);
        if (pending.length < HEADER + length) break;
        JSON.parse(pending.toString('utf8', HEADER, HEADER + length));
        pongs += 1;
        pending = pending.subarray(HEADER + length);
      }
    });
  });
}

async function main(): Promise<void> {
  const sockets = await Promise.all(Array.from({ length: count }, (_, index) => open(index)));
  for (const socket of sockets) socket.write(encodePreamble());
  let seq = 0;
  setInterval(() => {
    seq += 1;
    const ping = encodeMessage({ type: 'ping', seq });
    for (const socket of sockets) socket.write(ping);
  }, intervalMs);
  process.send?.({ port: 0 });
  process.on('message', () => process.send?.({ pongs }));
}

main().catch((error: unknown) => {
  console.error(`b10 prober: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
process.on('disconnect', () => process.exit(0));
