import { performance } from 'node:perf_hooks';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import {
  FrameDecoder,
  encodeMessage,
  type AdvertisedAddress,
  type ClientRegionServed,
  type LoadReport,
  type ParentReport,
} from '@cdn-lab/protocol';

/** The cache counters a replica with tiers reports in its pongs. */
export interface FakeCounters {
  hits: number;
  misses: number;
  parentFetches: number;
  originFetches: number;
}

/** A stand-in replica that only answers probes, with switches to misbehave. */
export class FakeReplica {
  port = 0;
  draining = false;
  /** When set, pings are read but never answered (a black-holed replica). */
  silent = false;
  activeTransfers = 0;
  /** Fault names reported in pongs (empty: the field is left out, like a replica without faults). */
  faults: string[] = [];
  /** The region reported in pongs (null: the field is left out, as without a topology). */
  region: string | null = null;
  /** Client-region rows reported in pongs (empty: left out). */
  clientRegions: ClientRegionServed[] = [];
  /** The tier label reported in pongs (null: left out, as from a replica before tiers). */
  tier: string | null = null;
  /** Cache counters reported in pongs (null: left out). */
  counters: FakeCounters | null = null;
  /** Parents reported in pongs (empty: left out). */
  parents: ParentReport[] = [];
  /** The outside address reported in pongs (null: left out, as without --advertise). */
  advertised: AdvertisedAddress | null = null;
  pingsAnswered = 0;
  /** When each answered ping arrived (performance.now()). */
  readonly pingTimes: number[] = [];
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  private constructor(readonly host: string) {}

  static async start(
    host = '127.0.0.1',
    port = 0,
    region: string | null = null,
  ): Promise<FakeReplica> {
    const replica = new FakeReplica(host);
    replica.port = port;
    replica.region = region;
    await replica.listen();
    return replica;
  }

  get id(): string {
    return `${this.host}:${this.port}`;
  }

  /** Listens again on the same port after stop(). */
  async listen(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    server.listen(this.port, this.host);
    await once(server, 'listening');
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Like a killed process: the listener goes away and open connections are cut. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    const closed = new Promise((resolve) => server.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private load(): LoadReport {
    return {
      activeTransfers: this.activeTransfers,
      activeConnections: this.sockets.size,
      bytesPerSecond: 0,
      eventLoopLagMs: 0,
      draining: this.draining,
      cachedObjects: 0,
      cachedBytes: 0,
      ...(this.faults.length > 0 ? { faults: this.faults } : {}),
      ...(this.region === null ? {} : { region: this.region }),
      ...(this.clientRegions.length > 0 ? { clientRegions: this.clientRegions } : {}),
      ...(this.tier === null ? {} : { tier: this.tier }),
      ...this.counters,
      ...(this.parents.length > 0 ? { parents: this.parents } : {}),
      ...(this.advertised === null ? {} : { advertised: this.advertised }),
    };
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder({ expectPreamble: true });
    socket.on('data', (chunk: Buffer) => {
      const { messages, error } = decoder.push(chunk);
      if (error) socket.destroy();
      for (const message of messages) {
        if (message.type !== 'ping' || this.silent) continue;
        this.pingsAnswered += 1;
        this.pingTimes.push(performance.now());
        socket.write(encodeMessage({ type: 'pong', seq: message.seq, load: this.load() }));
      }
    });
  }
}
