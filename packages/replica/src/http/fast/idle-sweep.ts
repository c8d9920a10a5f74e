/** Something the sweep looks at once a second. */
export interface SweptConnection {
  /** `now` is a second or so after the last look: close if it has been idle too long. */
  sweep(now: number): void;
}

const SWEEP_MS = 1000;

/**
 * One timer for the idle timeouts of every fast HTTP connection, instead of a timer per
 * connection refreshed on every read and write: a connection only notes when it last read.
 * Runs only while there are connections to look at.
 */
export class IdleSweep {
  private readonly connections = new Set<SweptConnection>();
  private timer: NodeJS.Timeout | null = null;

  add(connection: SweptConnection): void {
    this.connections.add(connection);
    this.timer ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
  }

  delete(connection: SweptConnection): void {
    this.connections.delete(connection);
    if (this.connections.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const connection of this.connections) connection.sweep(now);
  }
}
