import type { Socket } from 'node:net';

/**
 * Reading follows writing: once a chunk's requests are answered (or their answers started),
 * a socket whose write side is full stops reading until it drains. Without it a peer that sends
 * requests (pings, routes, acknowledgements) and never reads makes the process queue answers
 * without end; with it the peer's requests wait in the kernel, and TCP slows the peer down.
 */
export class ReadBackpressure {
  private waiting = false;

  /** `resumed` runs when reading starts again (e.g. to re-arm a read deadline). */
  constructor(
    private readonly socket: Socket,
    private readonly resumed: () => void = () => undefined,
  ) {
    socket.on('drain', () => this.resume());
  }

  /** True while reading waits for the peer to take the answers already written. */
  get holding(): boolean {
    return this.waiting;
  }

  /** Call after handling a chunk: stops reading if the answers are not being taken. */
  afterChunk(): void {
    if (this.waiting || this.socket.destroyed || !this.socket.writableNeedDrain) return;
    this.waiting = true;
    this.socket.pause();
  }

  private resume(): void {
    if (!this.waiting) return;
    this.waiting = false;
    this.socket.resume();
    this.resumed();
  }
}
