import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FrameDecoder,
  encodeMessage,
  encodePreamble,
  type Endpoint,
  type Message,
} from '@cdn-lab/protocol';
import type { BalancerHandle, ReplicaState, ReplicaStateEvent } from '../src/index.js';

export interface TempServersFile {
  file: string;
  append(line: string): Promise<void>;
  write(lines: string[]): Promise<void>;
  remove(): Promise<void>;
}

export async function tempServersFile(lines: string[]): Promise<TempServersFile> {
  const dir = await mkdtemp(join(tmpdir(), 'cdn-balancer-test-'));
  const file = join(dir, 'servers.txt');
  const write = (next: string[]): Promise<void> =>
    writeFile(file, next.map((l) => `${l}\n`).join(''));
  await write(lines);
  return {
    file,
    write,
    append: (line) => appendFile(file, `${line}\n`),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A loopback port that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves when the replica reaches `state` (at once if it is there already). */
export function waitForState(
  balancer: BalancerHandle,
  id: string,
  state: ReplicaState,
): Promise<ReplicaStateEvent | null> {
  if (balancer.snapshot().find((view) => view.id === id)?.state === state) {
    return Promise.resolve(null);
  }
  return new Promise((resolve) => {
    const onChange = (change: ReplicaStateEvent): void => {
      if (change.id !== id || change.to !== state) return;
      balancer.events.off('replica-state', onChange);
      resolve(change);
    };
    balancer.events.on('replica-state', onChange);
  });
}

/** A raw native connection to the balancer that reads answers one message at a time. */
export class RouteClient {
  readonly socket: Socket;
  private readonly decoder = new FrameDecoder({ expectPreamble: false });
  private readonly received: Message[] = [];
  private readonly waiters: ((message: Message | null) => void)[] = [];
  private ended = false;
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      const { messages } = this.decoder.push(chunk);
      for (const message of messages) this.deliver(message);
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.ended = true;
        for (const waiter of this.waiters.splice(0)) waiter(null);
        resolve();
      });
    });
  }

  /** `localAddress`: the loopback address to connect from (another client machine). */
  static async open(
    endpoint: Endpoint,
    preamble = true,
    localAddress?: string,
  ): Promise<RouteClient> {
    const socket = connect({ host: endpoint.host, port: endpoint.port, localAddress });
    await once(socket, 'connect');
    const client = new RouteClient(socket);
    if (preamble) socket.write(encodePreamble());
    return client;
  }

  route(...paths: (string | null)[]): void {
    this.socket.write(Buffer.concat(paths.map((path) => encodeMessage({ type: 'route', path }))));
  }

  /** One route frame carrying the client's region hint. */
  routeWithHint(path: string | null, region: string): void {
    this.socket.write(encodeMessage({ type: 'route', path, region }));
  }

  /** The next message, or null once the connection has closed. */
  next(): Promise<Message | null> {
    const message = this.received.shift();
    if (message) return Promise.resolve(message);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }

  private deliver(message: Message): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(message);
    else this.received.push(message);
  }
}
