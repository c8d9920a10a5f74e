import { request, type IncomingMessage } from 'node:http';
import { once } from 'node:events';
import type { TestContext } from 'node:test';
import { startBalancer, type BalancerHandle, type BalancerOptions } from '../src/index.js';
import { FakeReplica } from './fake-replica.js';
import { RouteClient, tempServersFile, waitForState } from './helpers.js';

export interface AdminCluster {
  balancer: BalancerHandle;
  replicas: FakeReplica[];
  /** The admin base URL, ending in "/". */
  url: string;
  routeClient(): Promise<RouteClient>;
}

/** `count` fake replicas, all up, behind a balancer with an admin server on a free port. */
export async function adminCluster(
  t: TestContext,
  count: number,
  options: BalancerOptions = {},
): Promise<AdminCluster> {
  const replicas = await Promise.all(Array.from({ length: count }, () => FakeReplica.start()));
  const cluster = await clusterOver(t, replicas, options);
  return { ...cluster, replicas, routeClient: () => cluster.clientFrom() };
}

export interface FakeCluster {
  balancer: BalancerHandle;
  url: string;
  /** A native route connection, from `localAddress` when given. */
  clientFrom(localAddress?: string): Promise<RouteClient>;
}

/**
 * A balancer with an admin server on a free port over these fake replicas, all up; the test
 * stops them, and closes the balancer and its clients, when it ends.
 */
export async function clusterOver(
  t: TestContext,
  replicas: FakeReplica[],
  options: BalancerOptions = {},
): Promise<FakeCluster> {
  t.after(() => Promise.all(replicas.map((replica) => replica.stop())));
  const file = await tempServersFile(replicas.map((replica) => replica.id));
  t.after(() => file.remove());
  const balancer = await startBalancer({
    port: 0,
    serversFile: file.file,
    probeIntervalMs: 20,
    admin: { port: 0 },
    ...options,
  });
  t.after(() => balancer.close());
  await Promise.all(replicas.map((replica) => waitForState(balancer, replica.id, 'up')));
  const clients: RouteClient[] = [];
  t.after(() => Promise.all(clients.map((client) => client.close())));
  return {
    balancer,
    url: balancer.admin?.url ?? '',
    clientFrom: async (localAddress) => {
      const client = await RouteClient.open(balancer.endpoint, true, localAddress);
      clients.push(client);
      return client;
    },
  };
}

/** Routes `path` once on `client` and returns the answer. */
export async function routeOnce(client: RouteClient, path: string | null = '/a') {
  client.route(path);
  const answer = await client.next();
  if (!answer) throw new Error('the balancer closed the connection');
  return answer;
}

export interface SseEvent {
  event: string;
  data: unknown;
}

/** A Server-Sent Events reader: next(name) resolves with the next event of that name. */
export class SseReader {
  private buffer = '';
  private readonly queue: SseEvent[] = [];
  private waiter: { name: string; resolve: (event: SseEvent) => void } | null = null;

  private constructor(
    readonly response: IncomingMessage,
    private readonly abort: () => void,
  ) {
    response.setEncoding('utf8');
    response.on('data', (text: string) => this.push(text));
  }

  static async open(url: string): Promise<SseReader> {
    const req = request(url, { headers: { Accept: 'text/event-stream' } });
    req.end();
    const [response] = (await once(req, 'response')) as [IncomingMessage];
    return new SseReader(response, () => req.destroy());
  }

  next(name: string): Promise<SseEvent> {
    const index = this.queue.findIndex((event) => event.event === name);
    if (index >= 0) {
      const [found] = this.queue.splice(0, index + 1).slice(-1);
      if (found) return Promise.resolve(found);
    }
    this.queue.length = 0;
    return new Promise((resolve) => (this.waiter = { name, resolve }));
  }

  close(): void {
    this.abort();
  }

  private push(text: string): void {
    this.buffer += text;
    for (let end = this.buffer.indexOf('\n\n'); end >= 0; end = this.buffer.indexOf('\n\n')) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const fields = new Map<string, string>();
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
      }
      const data = fields.get('data');
      if (data === undefined) continue;
      this.deliver({ event: fields.get('event') ?? 'message', data: JSON.parse(data) as unknown });
    }
  }

  private deliver(event: SseEvent): void {
    if (this.waiter && this.waiter.name === event.event) {
      const { resolve } = this.waiter;
      this.waiter = null;
      resolve(event);
    } else if (!this.waiter) {
      this.queue.push(event);
    }
  }
}
