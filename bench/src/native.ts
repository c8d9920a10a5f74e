import { connect, type Socket } from 'node:net';
import { FRAME_HEADER_LENGTH, FrameType, encodeMessage, encodePreamble } from '@cdn-lab/protocol';

const TIMEOUT_MS = 30_000;

/**
 * Reads frames off a socket without copying data payloads: data bytes are only counted,
 * control frames are collected and parsed. Enough for a benchmark client.
 */
class FrameCounter {
  private header = Buffer.alloc(FRAME_HEADER_LENGTH);
  private headerFill = 0;
  private remaining = 0;
  private type = 0;
  private control: Buffer[] = [];
  dataBytes = 0;

  /** Returns the control frames completed by this chunk as [type, JSON payload]. */
  push(chunk: Buffer): [number, Record<string, unknown>][] {
    const done: [number, Record<string, unknown>][] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.headerFill < FRAME_HEADER_LENGTH) {
        const take = Math.min(FRAME_HEADER_LENGTH - this.headerFill, chunk.length - at);
        chunk.copy(this.header, this.headerFill, at, at + take);
        this.headerFill += take;
        at += take;
        if (this.headerFill < FRAME_HEADER_LENGTH) break;
        this.remaining = this.header.readUInt32BE(0);
        this.type = this.header.readUInt8(4);
        this.control = [];
      }
      const take = Math.min(this.remaining, chunk.length - at);
      if (this.type === FrameType.Data) this.dataBytes += take;
      else this.control.push(Buffer.from(chunk.subarray(at, at + take)));
      this.remaining -= take;
      at += take;
      if (this.remaining === 0) {
        if (this.type !== FrameType.Data) {
          const text = Buffer.concat(this.control).toString('utf8');
          done.push([this.type, text ? (JSON.parse(text) as Record<string, unknown>) : {}]);
        }
        this.headerFill = 0;
      }
    }
    return done;
  }
}

/** Bytes read at once by the bulk client (Node's default is 64 KiB, allocated per read). */
const READ_BUFFER = 1024 * 1024;

/**
 * Reads into one reused buffer (`onread`): no allocation per read, fewer and larger reads, so
 * the client costs as little CPU as it can. `onChunk` sees a view valid only during the call.
 */
export function connectReusing(
  host: string,
  port: number,
  onChunk: (chunk: Buffer) => void,
): Socket {
  const buffer = Buffer.allocUnsafe(READ_BUFFER);
  return connect({
    host,
    port,
    noDelay: true,
    onread: {
      buffer,
      callback: (bytes: number, into: Uint8Array): boolean => {
        onChunk(Buffer.from(into.buffer, into.byteOffset, bytes));
        return true;
      },
    },
  });
}

export function openNative(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
    socket.write(encodePreamble());
  });
}

/** Downloads one object over the native protocol and returns its size; bytes are discarded. */
export function nativeGet(host: string, port: number, path: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const counter = new FrameCounter();
    const socket = connectReusing(host, port, (chunk) => {
      for (const [type, body] of counter.push(chunk)) {
        if (type === FrameType.End) {
          socket.destroy();
          resolve(counter.dataBytes);
        }
        if (type === FrameType.Error) {
          socket.destroy();
          reject(new Error(`replica error: ${String(body.message)}`));
        }
      }
    });
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error('native get timed out')));
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('replica closed the connection early')));
    socket.write(
      Buffer.concat([encodePreamble(), encodeMessage({ type: 'get', path, offset: 0 })]),
    );
  });
}

/**
 * Sends route requests on one connection, keeping `window` of them in flight, until `stopAt`
 * (performance.now()); returns how many were answered with route-ok.
 */
export async function pipelinedRoutes(
  host: string,
  port: number,
  path: string,
  window: number,
  stopAt: number,
): Promise<number> {
  const socket = await openNative(host, port);
  const frame = encodeMessage({ type: 'route', path });
  const batch = Buffer.concat(Array.from({ length: window }, () => frame));
  try {
    return await new Promise<number>((resolve, reject) => {
      const counter = new FrameCounter();
      let answered = 0;
      let outstanding = window;
      socket.on('data', (chunk: Buffer) => {
        for (const [type, body] of counter.push(chunk)) {
          if (type !== FrameType.RouteOk) {
            reject(new Error(`balancer answered ${type}: ${String(body.message)}`));
            return;
          }
          answered += 1;
          outstanding -= 1;
        }
        if (outstanding > 0) return;
        if (performance.now() >= stopAt) resolve(answered);
        else {
          outstanding = window;
          socket.write(batch);
        }
      });
      socket.once('error', reject);
      socket.write(batch);
    });
  } finally {
    socket.destroy();
  }
}

/** One connection per route: connect, ask once, read the answer, close. Returns routes done. */
export async function newConnectionRoutes(
  host: string,
  port: number,
  path: string,
  stopAt: number,
): Promise<number> {
  const frame = Buffer.concat([encodePreamble(), encodeMessage({ type: 'route', path })]);
  let answered = 0;
  while (performance.now() < stopAt) {
    await new Promise<void>((resolve, reject) => {
      const counter = new FrameCounter();
      const socket = connect({ host, port, noDelay: true });
      socket.once('error', reject);
      socket.on('data', (chunk: Buffer) => {
        for (const [type] of counter.push(chunk)) {
          if (type === FrameType.RouteOk) answered += 1;
          socket.destroy();
          resolve();
        }
      });
      socket.write(frame);
    });
  }
  return answered;
}
