import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { FrameDecoder, encodeMessage, type LoadReport } from '@cdn-lab/protocol';
import type { tempDir } from './helpers.js';

type TestContext = Parameters<typeof tempDir>[0];

/**
 * A replica that only answers probes, its pongs an idle load plus `report` (a region, what it
 * served per client region, a tier, cache counters, parents: what the page shows of replicas).
 * Changes to `report` go out with the next pong.
 */
export class PongReplica {
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly server: Server,
    public report: Partial<LoadReport>,
  ) {
    server.on('connection', (socket) => this.answer(socket));
  }

  static async start(
    t: TestContext,
    host: string,
    report: Partial<LoadReport>,
  ): Promise<PongReplica> {
    const server = createServer();
    const replica = new PongReplica(server, report);
    server.listen(0, host);
    await once(server, 'listening');
    t.after(() => replica.close());
    return replica;
  }

  get id(): string {
    const { address, port } = this.server.address() as AddressInfo;
    return `${address}:${port}`;
  }

  private answer(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder({ expectPreamble: true });
    socket.on('data', (chunk: Buffer) => {
      for (const message of decoder.push(chunk).messages) {
        if (message.type !== 'ping') continue;
        const load: LoadReport = {
          ...{ activeTransfers: 0, activeConnections: 1, bytesPerSecond: 0, eventLoopLagMs: 0 },
          ...{ draining: false, cachedObjects: 0, cachedBytes: 0 },
          ...this.report,
        };
        socket.write(encodeMessage({ type: 'pong', seq: message.seq, load }));
      }
    });
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
