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

/** Where a transfer is: its bounds, and when it started (bandwidth pacing counts from there). */
interface Transfer {
  cursor: BodyCursor;
  sink: ByteSink;
  meter: LoadMeter;
  faults: FaultInjector;
  progress: PumpProgress;
  total: number;
  openEnded: boolean;
  startedAt: number;
}

/**
 * The one byte pump every dialect uses: reads the object's shared chunks as they become
 * available (no copies), writes them into the sink, counts every byte written (also the ones
 * before an injected cut), waits whenever the sink's window is full, and applies the transfer
 * faults (reset, bandwidth pacing).
 *
 * A transfer that starts with no transfer fault in force takes the plain loop: no pacing, no
 * cut point, no promise per chunk while chunks are there. The reset decision is taken at the
 * start either way; a bandwidth cap set later still applies to it, from its next wait for the
 * sink's window on (pacing counts from the transfer's start, as in the shaped loop).
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
  const transfer: Transfer = { cursor, sink, meter, faults, progress, total, openEnded, startedAt };
  cursor.seek(range.start);
  const shaped = cutAt !== null || faults.pacesTransfers || (await pumpPlain(transfer));
  if (shaped) await pumpShaped(transfer, cutAt);
  if (!sink.usable) throw new TransferBroken('the client went away');
}

/** The loop without faults; true when a bandwidth cap appeared and the shaped loop must go on. */
async function pumpPlain(transfer: Transfer): Promise<boolean> {
  const { cursor, sink, meter, faults, progress, total, openEnded } = transfer;
  while (progress.bytes < total) {
    let piece = cursor.nextNow() ?? (await nextPiece(cursor, openEnded));
    if (piece === null) return false;
    if (!sink.usable) throw new TransferBroken('the client went away');
    if (piece.length > total - progress.bytes) piece = piece.subarray(0, total - progress.bytes);
    let waited = false;
    for (let at = 0; at < piece.length; at += sink.maxWrite) {
      const slice = piece.length <= sink.maxWrite ? piece : piece.subarray(at, at + sink.maxWrite);
      sink.write(slice);
      progress.bytes += slice.length;
      meter.recordBytes(slice.length);
      if (progress.bytes < total && sink.buffered >= sink.window) {
        await sink.writable();
        waited = true;
      }
    }
    if (waited && faults.pacesTransfers) return true;
  }
  return false;
}

/** The loop with transfer faults: cut at `cutAt`, paced slices under a bandwidth cap. */
async function pumpShaped(transfer: Transfer, cutAt: number | null): Promise<void> {
  const { cursor, sink, meter, faults, progress, total, openEnded, startedAt } = transfer;
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
