import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from '@cdn-lab/common';
import { probeRetryDelayMs } from './probe-backoff.js';
import { ProbeTicker } from './probe-ticker.js';
import {
  FrameDecoder,
  encodeMessage,
  encodePreamble,
  type LoadReport,
  type Message,
} from '@cdn-lab/protocol';

export interface ProbeTiming {
  intervalMs: number;
  /** How long a ping may wait for its pong; also the connect timeout. */
  timeoutMs: number;
  /** Longest wait between connection attempts to a replica that cannot be reached. */
  backoffMaxMs: number;
}

export interface ProbeTarget {
  id: string;
  host: string;
  port: number;
}

export interface ProbeListener {
  onSuccess(rttMs: number, load: LoadReport): void;
  onFailure(reason: string): void;
}

/**
 * A connection that stays up but whose pings time out this many times in a row is dropped and
 * reopened: a replica that was stopped and came back then answers on a fresh connection instead
 * of behind a backlog of old pings.
 */
const TIMEOUTS_BEFORE_RECONNECT = 2;

interface PendingPing {
  sentAt: number;
  timer: NodeJS.Timeout;
}

/**
 * Probes one replica over one persistent native connection: a `ping` every interval, each
 * answered by a `pong` or counted as failed after the timeout. A refused or timed-out connect
 * and a connection that closes count as failures too; it connects again after the interval,
 * or, when connecting keeps failing, after longer and longer waits (probeRetryDelayMs).
 */
export class Prober {
  private socket: Socket | null = null;
  private connected = false;
  private decoder: FrameDecoder | null = null;
  private connectTimer: NodeJS.Timeout | null = null;
  /** Sends a ping at every tick of the shared ticker while connected. */
  private ticking = false;
  /** When the ping sent on connecting left: rise counts answers at least an interval apart. */
  private connectPingAt = 0;
  private readonly tick = (): void => {
    if (performance.now() - this.connectPingAt < this.timing.intervalMs) return;
    this.sendPing();
  };
  /** The next connection attempt while there is no connection. */
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly pending = new Map<number, PendingPing>();
  private nextSeq = 1;
  private timeoutsInRow = 0;
  private failedConnects = 0;
  private stopped = false;

  constructor(
    private readonly target: ProbeTarget,
    private readonly timing: ProbeTiming,
    private readonly listener: ProbeListener,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.openConnection();
  }

  stop(): void {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.dropConnection();
  }

  private openConnection(): void {
    this.reconnectTimer = null;
    if (this.stopped) return;
    const socket = connect({ host: this.target.host, port: this.target.port });
    this.socket = socket;
    this.connected = false;
    this.decoder = new FrameDecoder({ expectPreamble: false });
    socket.setNoDelay(true);
    let lastError: NodeJS.ErrnoException | null = null;
    this.connectTimer = setTimeout(() => {
      this.connectionLost(`connect timed out after ${this.timing.timeoutMs} ms`, false);
    }, this.timing.timeoutMs);
    socket.on('connect', () => {
      this.clearConnectTimer();
      this.connected = true;
      this.timeoutsInRow = 0;
      this.failedConnects = 0;
      this.log.debug({ event: 'probe-connected', replica: this.target.id }, 'probe connected');
      socket.write(encodePreamble());
      this.sendPing();
      this.connectPingAt = performance.now();
      ProbeTicker.every(this.timing.intervalMs).add(this.target.id, this.tick);
      this.ticking = true;
    });
    socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      lastError = error;
    });
    socket.on('close', () => {
      if (socket !== this.socket) return; // dropped on purpose: already accounted for
      if (this.connected) {
        this.connectionLost(
          `connection closed${lastError ? ` (${describe(lastError)})` : ''}`,
          true,
        );
      } else {
        this.connectionLost(`connect failed: ${lastError ? describe(lastError) : 'closed'}`, false);
      }
    });
  }

  /** Counts the failure, forgets the connection and plans the next attempt. */
  private connectionLost(reason: string, wasConnected: boolean): void {
    this.dropConnection();
    if (!wasConnected) this.failedConnects += 1;
    this.fail(reason);
    if (this.stopped) return;
    const { intervalMs, backoffMaxMs } = this.timing;
    const delayMs = probeRetryDelayMs(this.failedConnects, intervalMs, backoffMaxMs);
    this.reconnectTimer = setTimeout(() => this.openConnection(), delayMs);
  }

  private sendPing(): void {
    const socket = this.socket;
    if (!socket) return;
    const seq = this.nextSeq++;
    const timer = setTimeout(() => this.onPingTimeout(seq), this.timing.timeoutMs);
    this.pending.set(seq, { sentAt: performance.now(), timer });
    socket.write(encodeMessage({ type: 'ping', seq }));
  }

  private onPingTimeout(seq: number): void {
    if (!this.pending.delete(seq)) return;
    this.timeoutsInRow += 1;
    const reason = `no pong within ${this.timing.timeoutMs} ms`;
    if (this.timeoutsInRow >= TIMEOUTS_BEFORE_RECONNECT) this.connectionLost(reason, true);
    else this.fail(reason);
  }

  private onData(socket: Socket, chunk: Buffer): void {
    if (socket !== this.socket || !this.decoder) return;
    const { messages, error } = this.decoder.push(chunk);
    for (const message of messages) {
      if (socket !== this.socket) return;
      this.onMessage(message);
    }
    if (error && socket === this.socket) {
      this.connectionLost(`the replica sent malformed data: ${error.message}`, true);
    }
  }

  private onMessage(message: Message): void {
    if (message.type !== 'pong') {
      const detail =
        message.type === 'error' ? `${message.code}: ${message.message}` : message.type;
      this.connectionLost(`unexpected answer to a ping: ${detail}`, true);
      return;
    }
    const ping = this.pending.get(message.seq);
    if (!ping) return; // the answer to a ping that already timed out
    this.pending.delete(message.seq);
    clearTimeout(ping.timer);
    this.timeoutsInRow = 0;
    this.listener.onSuccess(performance.now() - ping.sentAt, message.load);
  }

  private fail(reason: string): void {
    if (this.stopped) return;
    this.log.debug({ event: 'probe-failed', replica: this.target.id, reason }, 'probe failed');
    this.listener.onFailure(reason);
  }

  private clearConnectTimer(): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }

  /** Forgets the connection and its outstanding pings without counting anything. */
  private dropConnection(): void {
    this.clearConnectTimer();
    if (this.ticking) ProbeTicker.every(this.timing.intervalMs).remove(this.target.id, this.tick);
    this.ticking = false;
    for (const ping of this.pending.values()) clearTimeout(ping.timer);
    this.pending.clear();
    const socket = this.socket;
    this.socket = null;
    this.decoder = null;
    this.connected = false;
    socket?.destroy();
  }
}

function describe(error: NodeJS.ErrnoException): string {
  return error.code === 'ECONNREFUSED' ? 'connection refused' : (error.code ?? error.message);
}
