import type { BodyCursor } from '../cache/object-body.js';
import type { FaultInjector } from '../faults/fault-injector.js';
import type { LoadMeter } from '../server/load-meter.js';
import type { ByteSink } from './byte-sink.js';
import { TransferBroken } from './transfer-broken.js';

/** Bytes of an object, from `start` (inclusive) to `end` (exclusive; null: wherever it ends). */
export interface ByteRange {
  start: number;
  end: number | null;
}

/** How far a transfer got; kept by the caller so a failure still reports what was written. */
export interface PumpProgress {
  bytes: number;
}

/**
 * The one byte pump every dialect uses: reads the object's shared chunks as they become
 * available (no copies), writes them into the sink, counts every byte written (also the ones
 * before an injected cut), waits whenever the sink's window is full, and applies the transfer
 * faults (reset, bandwidth pacing).
 */
export async function pumpBytes(
  cursor: BodyCursor,
  range: ByteRange,
  sink: ByteSink,
  meter: LoadMeter,
  faults: FaultInjector,
  progress: PumpProgress,
): Promise<void> {
  const openEnded = range.end === null;
  const total = range.end === null ? Number.POSITIVE_INFINITY : range.end - range.start;
  const cutAt = openEnded ? null : faults.resetPoint(total);
  const startedAt = Date.now();
  cursor.seek(range.start);
  while (progress.bytes < total) {
    let piece = await nextPiece(cursor, openEnded);
    if (piece === null) break;
    if (!sink.usable) throw new TransferBroken('the client went away');
    piece = piece.subarray(0, Math.min(piece.length, total - progress.bytes));
    const cut = cutAt !== null && progress.bytes + piece.length > cutAt;
    if (cut) piece = piece.subarray(0, cutAt - progress.bytes);
    for (const slice of piece.length > 0 ? faults.slices(piece, sink.maxWrite) : []) {
      sink.write(slice);
      progress.bytes += slice.length;
      meter.recordBytes(slice.length);
      if (progress.bytes < total && sink.buffered >= sink.window) await sink.writable();
      await faults.pace(progress.bytes, startedAt);
    }
    if (cut) throw new TransferBroken('injected fault: resetRate', true);
  }
  if (!sink.usable) throw new TransferBroken('the client went away');
}

/** The next piece; null only at the end of a body whose size was not known (`openEnded`). */
async function nextPiece(cursor: BodyCursor, openEnded: boolean): Promise<Buffer | null> {
  let piece: Buffer | null;
  try {
    piece = await cursor.next();
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new TransferBroken(`the origin fetch broke off: ${why}`);
  }
  if (piece === null && !openEnded) throw new TransferBroken('the object ended early');
  return piece;
}
