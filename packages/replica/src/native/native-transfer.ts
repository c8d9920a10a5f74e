import type { FaultInjector } from '../faults/fault-injector.js';
import type { LoadMeter } from '../server/load-meter.js';
import type { FrameWriter } from './frame-writer.js';
import type { Lease } from '../cache/object-store.js';
import { RequestError, fetchFailure } from '../request/request-error.js';

/**
 * How much a transfer queues on its socket before waiting for it to drain. The socket's own
 * high-water mark (16 KiB) is below one cached chunk, so waiting at it cost an event-loop turn
 * per chunk and fed the kernel one chunk at a time; the queued buffers are the cached chunks
 * themselves (no copies), so a larger window costs no memory.
 */
const SEND_WINDOW_BYTES = 1024 * 1024;

/** The transfer broke after the object frame: the only honest signal left is closing the socket. */
export class TransferBroken extends Error {
  /** True when the replica itself broke the transfer (not the client leaving, not the origin). */
  constructor(
    message: string,
    readonly replicaFault = false,
  ) {
    super(message);
    this.name = 'TransferBroken';
  }
}

/**
 * Sends `object`, the data frames from `offset`, then `end`, reading the shared chunks of the
 * lease's body as they become available and waiting for the socket whenever it is full.
 * Returns the number of object bytes written.
 */
export async function sendObject(
  writer: FrameWriter,
  lease: Lease,
  offset: number,
  servedBy: string,
  meter: LoadMeter,
  faults: FaultInjector,
): Promise<number> {
  const { body, cursor } = lease;
  let size: number;
  try {
    size = await body.sizeKnown();
  } catch (error) {
    throw fetchFailure(lease.target.path, error);
  }
  if (offset > size) {
    throw new RequestError(
      'bad_request',
      `offset ${offset} is past the end of ${lease.target.path} (${size} bytes)`,
    );
  }
  writer.send({
    type: 'object',
    path: lease.target.path,
    size,
    offset,
    etag: body.meta.etag,
    sha256: body.isComplete ? body.sha256 : null,
    cache: lease.status,
    servedBy,
  });
  cursor.seek(offset);
  let sent = 0;
  const cutAt = faults.resetPoint(size - offset);
  const startedAt = Date.now();
  for (;;) {
    let piece: Buffer | null;
    try {
      piece = await cursor.next();
    } catch (error) {
      throw new TransferBroken(`the origin fetch broke off: ${reason(error)}`);
    }
    if (piece === null) break;
    if (!writer.usable) throw new TransferBroken('the client went away');
    if (cutAt !== null && sent + piece.length > cutAt) {
      writer.sendData(piece.subarray(0, cutAt - sent));
      meter.recordBytes(cutAt - sent);
      throw new TransferBroken('injected fault: resetRate', true);
    }
    for (const slice of faults.slices(piece)) {
      const roomLeft = writer.sendData(slice);
      sent += slice.length;
      meter.recordBytes(slice.length);
      if (!roomLeft && writer.buffered >= SEND_WINDOW_BYTES) await writer.writable();
      await faults.pace(sent, startedAt);
    }
  }
  if (!writer.usable) throw new TransferBroken('the client went away');
  if (body.sha256 === null) throw new TransferBroken('the object has no digest');
  writer.send({ type: 'end', size, sha256: body.sha256 });
  return sent;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
