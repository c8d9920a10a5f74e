/**
 * B10's stand-in for many replicas (started by b10-responder.ts with fork()): one process
 * listening on `count` loopback addresses (b10-addresses.ts) on one port, answering every ping
 * with a pong whose load report is valid and idle and names the address's region. It does
 * nothing else, cheaply: pongs are a pre-built prefix and suffix around the ping's seq.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { encodeMessage, FrameType } from '@cdn-lab/protocol';
import { b10Address, b10Region } from './b10-addresses.js';

const count = Number(process.argv[2] ?? '0');
const HEADER = 5;
const PREAMBLE = 5;
const SEQ_MARK = 999_999_999;

/** The pong frame around its seq: a real encoding with a marker seq, cut at the marker. */
function pongParts(region: string): { before: string; after: string } {
  const frame = encodeMessage({
    type: 'pong',
    seq: SEQ_MARK,
    load: {
      activeTransfers: 0,
      activeConnections: 1,
      bytesPerSecond: 0,
      eventLoopLagMs: 0,
      draining: false,
      cachedObjects: 0,
      cachedBytes: 0,
      transfersFailed: 0,
      transfersOk: 0,
      responseMs: 0,
      region,
    },
  });
  const json = frame.subarray(HEADER).toString('utf8');
  const at = json.indexOf(String(SEQ_MARK));
  return { before: json.slice(0, at), after: json.slice(at + String(SEQ_MARK).length) };
}

function pong(parts: { before: string; after: string }, seq: string): Buffer {
  const json = parts.before + seq + parts.after;
  const length = Buffer.byteLength(json);
  const frame = Buffer.allocUnsafe(HEADER + length);
  frame.writeUInt32BE(length, 0);
  frame.writeUInt8(FrameType.Pong, 4);
  frame.write(json, HEADER, 'utf8');
  return frame;
}

function answer(socket: Socket, parts: { before: string; after: string }): void {
  let pending: Buffer = Buffer.alloc(0);
  let preambleLeft = PREAMBLE;
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    if (preambleLeft > 0) {
      const skipped = Math.min(preambleLeft, pending.length);
      preambleLeft -= skipped;
      pending = pending.subarray(skipped);
    }
    while (pending.length >= HEADER) {
      const length = pending.readUInt32BE(0);
      if (pending.length < HEADER + length) break;
      if (pending.readUInt8(4) === FrameType.Ping) {
        const json = pending.toString('latin1', HEADER, HEADER + length);
        const seq = /\d+/.exec(json)?.[0] ?? '0';
        socket.write(pong(parts, seq));
      }
      pending = pending.subarray(HEADER + length);
    }
  });
}

function listenAll(port: number): Promise<Server[]> {
  const servers: Server[] = [];
  return new Promise((resolve, reject) => {
    let listening = 0;
    for (let index = 0; index < count; index += 1) {
      const parts = pongParts(b10Region(index));
      const server = createServer((socket) => answer(socket, parts));
      servers.push(server);
      server.once('error', (error) => {
        for (const other of servers) other.close();
        reject(error);
      });
      server.listen(port, b10Address(index), () => {
        listening += 1;
        if (listening === count) resolve(servers);
      });
    }
  });
}

/** One port free on the first address, then taken on every other; another try if one is busy. */
async function start(): Promise<number> {
  for (let attempt = 0; ; attempt += 1) {
    const probe = createServer();
    const port = await new Promise<number>((resolve) =>
      probe.listen(0, b10Address(0), () => {
        const address = probe.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      }),
    );
    await new Promise((resolve) => probe.close(resolve));
    try {
      await listenAll(port);
      return port;
    } catch (error) {
      if (attempt >= 5) throw error;
    }
  }
}

start().then(
  (port) => process.send?.({ port }),
  (error: unknown) => {
    console.error(`b10 responder: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
process.on('disconnect', () => process.exit(0));
