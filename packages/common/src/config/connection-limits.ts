import type { Socket } from 'node:net';
import type { Command } from 'commander';
import { durationArg, envOption, intArg, bytesArg } from './cli.js';

/** Per-connection limits a role's port enforces on every dialect. */
export interface ConnectionLimits {
  /** Open connections beyond this are refused (native: too_many_connections, HTTP: 503). */
  maxConnections: number;
  /**
   * Open connections from one address beyond this are refused the same way, so one client
   * holding connections cannot lock the others out. In the local lab every client is 127.0.0.1.
   */
  maxConnectionsPerSource: number;
  /** A connection with no byte either way this long is closed. */
  idleTimeoutMs: number;
  /**
   * Once a connection starts a unit (its first bytes, a frame, an HTTP request head), the
   * whole unit must arrive within this; a client trickling one byte a second is closed.
   */
  readTimeoutMs: number;
  /** HTTP request line plus headers, in bytes (Node's maxHeaderSize). */
  maxHeaderBytes: number;
  /** HTTP header fields per request. */
  maxHeaders: number;
}

export const CONNECTION_LIMIT_DEFAULTS: ConnectionLimits = {
  maxConnections: 1024,
  // Well above a wrk or bench run (64) and a Compose client, well below the total.
  maxConnectionsPerSource: 256,
  idleTimeoutMs: 60_000,
  readTimeoutMs: 10_000,
  maxHeaderBytes: 16 * 1024,
  maxHeaders: 100,
};

export function connectionLimitsOf(
  partial: Partial<ConnectionLimits> | undefined,
): ConnectionLimits {
  return { ...CONNECTION_LIMIT_DEFAULTS, ...partial };
}

export interface LimitFlags {
  maxConnections: number;
  maxConnectionsPerSource: number;
  idleTimeout: number;
  readTimeout: number;
  maxHeaderBytes: number;
  maxHeaders: number;
}

/**
 * --max-connections, --max-connections-per-source, --idle-timeout, --read-timeout,
 * --max-header-bytes, --max-headers.
 */
export function addLimitOptions(program: Command): Command {
  const d = CONNECTION_LIMIT_DEFAULTS;
  return program
    .addOption(
      envOption(
        '--max-connections <n>',
        'open connections beyond this are refused',
        'MAX_CONNECTIONS',
      )
        .argParser(intArg(1))
        .default(d.maxConnections),
    )
    .addOption(
      envOption(
        '--max-connections-per-source <n>',
        'open connections from one address beyond this are refused (local lab: every client is 127.0.0.1)',
        'MAX_CONNECTIONS_PER_SOURCE',
      )
        .argParser(intArg(1))
        .default(d.maxConnectionsPerSource),
    )
    .addOption(
      envOption(
        '--idle-timeout <duration>',
        'close a connection silent this long both ways',
        'IDLE_TIMEOUT',
      )
        .argParser(durationArg)
        .default(d.idleTimeoutMs, `${d.idleTimeoutMs / 1000}s`),
    )
    .addOption(
      envOption(
        '--read-timeout <duration>',
        'a started frame or HTTP request head must arrive whole within this',
        'READ_TIMEOUT',
      )
        .argParser(durationArg)
        .default(d.readTimeoutMs, `${d.readTimeoutMs / 1000}s`),
    )
    .addOption(
      envOption(
        '--max-header-bytes <size>',
        'HTTP request line + headers limit',
        'MAX_HEADER_BYTES',
      )
        .argParser(bytesArg)
        .default(d.maxHeaderBytes, `${d.maxHeaderBytes / 1024}KiB`),
    )
    .addOption(
      envOption('--max-headers <n>', 'HTTP header fields per request', 'MAX_HEADERS')
        .argParser(intArg(1, 10_000))
        .default(d.maxHeaders),
    );
}

export function limitsOf(flags: LimitFlags): ConnectionLimits {
  return {
    maxConnections: flags.maxConnections,
    maxConnectionsPerSource: flags.maxConnectionsPerSource,
    idleTimeoutMs: flags.idleTimeout,
    readTimeoutMs: flags.readTimeout,
    maxHeaderBytes: flags.maxHeaderBytes,
    maxHeaders: flags.maxHeaders,
  };
}

/** Closes the socket after `idleTimeoutMs` with no byte either way; `onIdle` says why first. */
export function closeWhenIdle(socket: Socket, idleTimeoutMs: number, onIdle: () => void): void {
  socket.setTimeout(idleTimeoutMs, () => {
    onIdle();
    socket.destroy();
  });
}

/**
 * A deadline for the unit being read: call `update(partial)` after every chunk, with whether
 * a unit has started but not finished; `expire` runs if one stays unfinished too long.
 */
export class ReadDeadline {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly timeoutMs: number,
    private readonly expire: () => void,
  ) {}

  update(partial: boolean): void {
    if (!partial) {
      this.clear();
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.expire();
    }, this.timeoutMs);
    this.timer.unref();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
