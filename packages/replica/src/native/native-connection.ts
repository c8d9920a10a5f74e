import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { ReadDeadline, type ConnectionLimits, type Logger } from '@cdn-lab/common';
import {
  FrameDecoder,
  type ErrorCode,
  type GetMessage,
  type LoadReport,
  type Message,
} from '@cdn-lab/protocol';
import type { FaultInjector } from '../faults/fault-injector.js';
import { INJECTED_ERROR } from '../faults/fault-injector.js';
import { FrameWriter } from './frame-writer.js';
import type { DialectHandler } from '../server/dialect-handler.js';
import type { LoadMeter } from '../server/load-meter.js';
import type { ObjectStore, Lease } from '../cache/object-store.js';
import type { TargetResolver } from '../cache/object-path.js';
import { RequestError } from '../request/request-error.js';
import { TransferBroken, sendObject } from './native-transfer.js';

/** What every connection shares with the server. */
export interface ConnectionContext {
  log: Logger;
  events: EventEmitter;
  store: ObjectStore;
  resolver: TargetResolver;
  meter: LoadMeter;
  faults: FaultInjector;
  limits: ConnectionLimits;
  servedBy(): string;
  isDraining(): boolean;
  loadReport(): LoadReport;
  transferStarted(): void;
  transferEnded(): void;
  /** A request finished: null when it succeeded, else why it failed. */
  requestOutcome(error: unknown): void;
}

const CLOSE_GRACE_MS = 5_000;
const MAX_QUEUED_GETS = 64;

/**
 * One native-protocol connection (its dialect already sniffed, its first bytes put back):
 * answers pings at once, and serves `get` requests one after another (pipelined ones wait in
 * a queue).
 */
export class NativeConnection implements DialectHandler {
  private readonly writer: FrameWriter;
  private readonly decoder = new FrameDecoder({ expectPreamble: true });
  private readonly queue: GetMessage[] = [];
  private busy = false;
  /** A connection that asked for an object is a data connection; one that only pings is a probe. */
  private askedForData = false;
  private closing = false;
  private readonly deadline: ReadDeadline;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: ConnectionContext,
    readonly peer: string,
  ) {
    this.writer = new FrameWriter(socket);
    this.deadline = new ReadDeadline(ctx.limits.readTimeoutMs, () =>
      this.protocolError(
        'timeout',
        `a frame did not arrive whole within ${ctx.limits.readTimeoutMs} ms`,
      ),
    );
    socket.once('close', () => this.deadline.clear());
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => {
      ctx.log.debug(
        { event: 'socket-error', peer: this.peer, reason: error.message },
        'socket error',
      );
    });
    socket.resume();
  }

  get transferring(): boolean {
    return this.busy;
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  /** Drain started: a data connection with nothing in flight is ended; probes keep going. */
  drainStarted(): void {
    if (this.askedForData && !this.busy) this.endGracefully('draining');
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    const { messages, error } = this.decoder.push(chunk);
    for (const message of messages) {
      if (this.closing) return;
      this.onMessage(message);
    }
    if (error && !this.closing) this.protocolError(error.code, error.message);
    this.deadline.update(!this.closing && this.decoder.midFrame);
  }

  private onMessage(message: Message): void {
    switch (message.type) {
      case 'ping':
        if (this.ctx.faults.dropsProbe()) {
          this.ctx.log.debug({ event: 'probe-dropped', peer: this.peer }, 'fault: ping ignored');
          return;
        }
        this.writer.send({ type: 'pong', seq: message.seq, load: this.ctx.loadReport() });
        return;
      case 'get':
        this.askedForData = true;
        if (this.queue.length >= MAX_QUEUED_GETS) {
          this.protocolError(
            'bad_request',
            `more than ${MAX_QUEUED_GETS} requests waiting on one connection`,
          );
          return;
        }
        this.queue.push(message);
        void this.serveQueue();
        return;
      default:
        this.protocolError(
          'unexpected_message',
          `a replica does not accept "${message.type}" frames`,
        );
    }
  }

  private async serveQueue(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (let get = this.queue.shift(); get && !this.closing; get = this.queue.shift()) {
        await this.serve(get);
      }
    } finally {
      this.busy = false;
    }
    if (this.ctx.isDraining() && this.askedForData) this.endGracefully('draining');
  }

  private async serve(get: GetMessage): Promise<void> {
    const { log, events } = this.ctx;
    if (this.ctx.isDraining()) {
      this.sendError('draining', 'this replica is draining; ask another one');
      return;
    }
    this.ctx.transferStarted();
    const startedAt = Date.now();
    const askedAt = performance.now();
    let lease: Lease | null = null;
    try {
      const target = this.ctx.resolver.resolve(get.path);
      log.info({ event: 'request', path: target.path, offset: get.offset, peer: this.peer }, 'get');
      await this.ctx.faults.delayRequest();
      if (this.ctx.faults.failsRequest()) throw new RequestError('internal', INJECTED_ERROR);
      events.emit('request', { path: target.path, offset: get.offset, peer: this.peer });
      lease = await this.ctx.store.open(target);
      this.ctx.meter.recordResponse(performance.now() - askedAt);
      events.emit('transfer-start', { path: target.path, offset: get.offset, peer: this.peer });
      const bytes = await sendObject(
        this.writer,
        lease,
        get.offset,
        this.ctx.servedBy(),
        this.ctx.meter,
        this.ctx.faults,
      );
      const ms = Date.now() - startedAt;
      log.info(
        {
          event: 'transfer-done',
          path: target.path,
          bytes,
          ms,
          offset: get.offset,
          cache: lease.status,
          peer: this.peer,
        },
        'object sent',
      );
      events.emit('transfer-end', { path: target.path, bytes, ms, ok: true });
      this.ctx.requestOutcome(null);
    } catch (error) {
      this.failed(get, lease, error);
    } finally {
      lease?.cursor.close();
      this.ctx.transferEnded();
    }
  }

  private failed(get: GetMessage, lease: Lease | null, error: unknown): void {
    this.ctx.requestOutcome(error);
    const path = lease?.target.path ?? get.path;
    if (error instanceof RequestError) {
      if (error.code === 'not_found') {
        this.ctx.log.info({ event: 'not-found', path, peer: this.peer }, error.message);
      } else {
        this.ctx.log.warn(
          { event: 'request-failed', path, code: error.code, reason: error.message },
          'request failed',
        );
      }
      if (lease) this.ctx.events.emit('transfer-end', { path, bytes: 0, ms: 0, ok: false });
      this.sendError(error.code, error.message);
      return;
    }
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof TransferBroken) {
      this.ctx.log.warn(
        { event: 'transfer-broken', path, peer: this.peer, reason },
        'closing mid-object',
      );
    } else {
      this.ctx.log.error(
        { event: 'internal-error', path, peer: this.peer, reason },
        'unexpected failure',
      );
    }
    this.ctx.events.emit('transfer-end', { path, bytes: 0, ms: 0, ok: false, reason });
    this.closing = true;
    this.socket.destroy();
  }

  private sendError(code: ErrorCode, message: string): void {
    this.writer.send({ type: 'error', code, message });
  }

  private protocolError(code: ErrorCode, message: string): void {
    this.ctx.log.warn(
      { event: 'protocol-error', peer: this.peer, code, reason: message },
      'protocol error',
    );
    this.sendError(code, message);
    this.endGracefully('protocol error');
  }

  /** Finishes writing what is queued, then closes; a peer that never closes its side is cut off. */
  private endGracefully(why: string): void {
    if (this.closing) return;
    this.closing = true;
    this.queue.length = 0;
    this.ctx.log.info({ event: 'connection-end', peer: this.peer, why }, 'ending connection');
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }
}
