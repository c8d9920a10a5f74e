import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import {
  FrameDecoder,
  encodeMessage,
  type Endpoint,
  type ErrorCode,
  type ErrorMessage,
  type GetMessage,
  type RouteOkMessage,
} from '@cdn-lab/protocol';

const HOST = '127.0.0.1';

export interface FakeObject {
  path: string;
  body: Buffer;
  etag: string | null;
}

/** How a fake replica answers one get (decided per request). */
export interface Behaviour {
  /** Close the connection once the bytes before this object offset have been sent. */
  cutAt?: number;
  /** Send the bytes before this object offset, then nothing more (a hung replica). */
  stallAt?: number;
  /** Answer with this error frame instead of the object. */
  error?: ErrorCode;
  /** …asking the client to wait this long before trying again. */
  retryAfterMs?: number;
  /** Send this byte (object offset) altered. */
  corruptAt?: number;
  /** Put the sha256 in the object frame too (as a replica with the object cached does). */
  announceSha?: boolean;
  /** Announce this sha256 in the object frame instead of the real one. */
  announcedSha?: string;
  /** Pass this on as the origin's digest (originSha256 in the object and end frames). */
  originSha?: string;
}

export interface FakeReplica {
  endpoint: Endpoint;
  /** Every get received, in order. */
  gets: GetMessage[];
  /** The source address of every connection, in order. */
  sources: string[];
  /** Decides how to answer each get; replace it to change the behaviour. */
  behave: (get: GetMessage, index: number) => Behaviour;
  close(): Promise<void>;
}

async function listenOnLoopback(server: Server): Promise<number> {
  server.listen(0, HOST);
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** Tracks sockets so close() can end the test without waiting for clients. */
function trackSockets(server: Server): () => Promise<void> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Deterministic but not repetitive bytes, so a shifted or repeated range is noticed. */
export function makeBody(size: number, seed = 1): Buffer {
  const body = Buffer.alloc(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i += 1) {
    x = (x * 1103515245 + 12345) >>> 0;
    body[i] = x >>> 24;
  }
  return body;
}

/**
 * A replica speaking the native protocol, serving in-memory objects in data frames of
 * `chunkSize`, from any offset; `objects[0]` is its default object (get with path null).
 */
export async function startFakeReplica(
  objects: FakeObject[],
  options: { chunkSize?: number; behave?: FakeReplica['behave'] } = {},
): Promise<FakeReplica> {
  const chunkSize = options.chunkSize ?? 16 * 1024;
  const server = createServer();
  const stop = trackSockets(server);
  const port = await listenOnLoopback(server);
  const id = `${HOST}:${port}`;
  const replica: FakeReplica = {
    endpoint: { id, host: HOST, port },
    gets: [],
    sources: [],
    behave: options.behave ?? (() => ({})),
    close: stop,
  };

  const answer = (socket: Socket, get: GetMessage): void => {
    const behaviour = replica.behave(get, replica.gets.length);
    replica.gets.push(get);
    const object = get.path === null ? objects[0] : objects.find((o) => o.path === get.path);
    if (behaviour.error || !object) {
      const code = behaviour.error ?? 'not_found';
      const retry = behaviour.retryAfterMs;
      socket.write(
        encodeMessage({
          type: 'error',
          code,
          message: `fake ${code}`,
          ...(retry === undefined ? {} : { retryAfterMs: retry }),
        }),
      );
      return;
    }
    const digest = sha256(object.body);
    socket.write(
      encodeMessage({
        type: 'object',
        path: object.path,
        size: object.body.length,
        offset: get.offset,
        etag: object.etag,
        sha256: behaviour.announcedSha ?? (behaviour.announceSha ? digest : null),
        cache: 'hit',
        servedBy: id,
        ...(behaviour.originSha ? { originSha256: behaviour.originSha } : {}),
      }),
    );
    const stopAt = Math.min(
      object.body.length,
      behaviour.cutAt ?? Infinity,
      behaviour.stallAt ?? Infinity,
    );
    for (let at = get.offset; at < stopAt; at += chunkSize) {
      const bytes = Buffer.from(object.body.subarray(at, Math.min(stopAt, at + chunkSize)));
      const corrupt = behaviour.corruptAt;
      if (corrupt !== undefined && corrupt >= at && corrupt < at + bytes.length) {
        bytes[corrupt - at] = (bytes[corrupt - at] ?? 0) ^ 0xff;
      }
      socket.write(encodeMessage({ type: 'data', bytes }));
    }
    if (stopAt < object.body.length) {
      if (behaviour.cutAt !== undefined) socket.end();
      return;
    }
    const origin = behaviour.originSha ? { originSha256: behaviour.originSha } : {};
    socket.write(
      encodeMessage({ type: 'end', size: object.body.length, sha256: digest, ...origin }),
    );
  };

  server.on('connection', (socket) => {
    replica.sources.push(socket.remoteAddress ?? '');
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder({ expectPreamble: true });
    socket.on('data', (chunk: Buffer) => {
      const { messages, error } = decoder.push(chunk);
      for (const message of messages) if (message.type === 'get') answer(socket, message);
      if (error) socket.destroy();
    });
  });
  return replica;
}

export interface FakeBalancer {
  address: { host: string; port: number };
  /** The path of every route request, in order. */
  routes: (string | null)[];
  /** The region hint of every route request, in order (undefined: none sent). */
  hints: (string | undefined)[];
  /** The source address of every connection, in order. */
  sources: string[];
  connections: number;
  close(): Promise<void>;
}

export type RouteAnswer = RouteOkMessage | ErrorMessage;

export function routeTo(best: Endpoint, ...alternates: Endpoint[]): RouteOkMessage {
  return { type: 'route-ok', best, alternates, strategy: 'fake', reason: 'test' };
}

/** A balancer answering each route request with whatever `answer` says. */
export async function startFakeBalancer(
  answer: (path: string | null, index: number) => RouteAnswer,
): Promise<FakeBalancer> {
  const server = createServer();
  const stop = trackSockets(server);
  const port = await listenOnLoopback(server);
  const balancer: FakeBalancer = {
    address: { host: HOST, port },
    routes: [],
    hints: [],
    sources: [],
    connections: 0,
    close: stop,
  };
  server.on('connection', (socket) => {
    balancer.connections += 1;
    balancer.sources.push(socket.remoteAddress ?? '');
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder({ expectPreamble: true });
    socket.on('data', (chunk: Buffer) => {
      const { messages, error } = decoder.push(chunk);
      for (const message of messages) {
        if (message.type !== 'route') continue;
        const index = balancer.routes.length;
        balancer.routes.push(message.path);
        balancer.hints.push(message.region);
        socket.write(encodeMessage(answer(message.path, index)));
      }
      if (error) socket.destroy();
    });
  });
  return balancer;
}

/** An endpoint nobody listens on (connection refused). */
export async function deadEndpoint(): Promise<Endpoint> {
  const server = createServer();
  const port = await listenOnLoopback(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { id: `${HOST}:${port}`, host: HOST, port };
}
