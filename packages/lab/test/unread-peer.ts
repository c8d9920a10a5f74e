import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Node publishes every connection a server of this process accepts here. */
const ACCEPTED = 'net.server.socket';

/** A connection from this process to a server in this process, seen from both ends. */
export interface BothEnds {
  client: Socket;
  server: Socket;
}

/** Connects, and finds the server's socket of the connection among those this process accepts. */
export async function connectBothEnds(port: number, host = '127.0.0.1'): Promise<BothEnds> {
  const accepted: Socket[] = [];
  const onAccepted = (message: unknown): void => {
    accepted.push((message as { socket: Socket }).socket);
  };
  subscribe(ACCEPTED, onAccepted);
  try {
    const client = connect(port, host);
    await once(client, 'connect');
    const isOurs = (socket: Socket): boolean =>
      socket.remotePort === client.localPort && socket.remoteAddress === client.localAddress;
    for (;;) {
      const server = accepted.find(isOurs);
      if (server) return { client, server };
      await nextTurn();
    }
  } finally {
    unsubscribe(ACCEPTED, onAccepted);
  }
}

export interface UnreadFlood {
  /** The most answer bytes the server held for the peer (queued on its socket) at any look. */
  peakQueuedBytes: number;
  /** 'paused': the server stopped reading while its write side was full. */
  ended: 'paused' | 'read-everything' | 'closed';
  /** Bytes of the flood the client wrote before the flood ended. */
  written: number;
}

/**
 * Sends `pieces` on a connection whose client never reads, and looks at the server's side after
 * every chunk it reads. The server's socket is corked first: its writes stay queued in the
 * process, as they do once a non-reading peer's kernel buffers are full (tens of MiB on
 * loopback, so a flood would otherwise have to be that much bigger, and how much the kernel
 * takes varies from machine to machine). With `paced`, each piece goes after the server has
 * written something since the one before (a stop-and-wait peer acknowledging each packet
 * without reading it). Ends when the server pauses reading with its write side full, when it
 * has read every byte written, or when it closes the connection.
 */
export async function floodWithoutReading(
  { client, server }: BothEnds,
  pieces: Iterable<Buffer>,
  paced = false,
): Promise<UnreadFlood> {
  let peakQueuedBytes = 0;
  let written = 0;
  let allWritten = false;
  let ended: UnreadFlood['ended'] | null = null;
  let settle: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (settle = resolve));
  const look = (): void => {
    peakQueuedBytes = Math.max(peakQueuedBytes, server.writableLength);
  };
  const end = (how: UnreadFlood['ended']): void => {
    look();
    ended ??= how;
    settle();
  };
  const readEverything = (): void => {
    look();
    if (allWritten && server.bytesRead >= written) end('read-everything');
  };
  // After the role's own handler, and after the answers it writes in later microtasks.
  server.on('data', () => setImmediate(readEverything));
  server.on('pause', () => {
    if (server.writableNeedDrain) end('paused');
  });
  server.once('close', () => end('closed'));
  client.on('error', () => undefined);
  server.cork();
  for (const piece of pieces) {
    if (ended !== null) break;
    const answeredBefore = server.bytesWritten;
    client.write(piece);
    written += piece.length;
    await nextTurn();
    // The server's writes have no event of their own: look once per event-loop turn.
    while (paced && ended === null && server.bytesWritten === answeredBefore) await nextTurn();
  }
  allWritten = true;
  setImmediate(readEverything);
  await finished;
  return { peakQueuedBytes, ended: ended ?? 'closed', written };
}
