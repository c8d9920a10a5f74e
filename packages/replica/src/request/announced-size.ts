import type { Socket } from 'node:net';
import type { Lease } from '../cache/object-store.js';
import { fetchFailure } from './request-error.js';
import { TransferBroken } from './transfer-broken.js';

/** Calls `listener` once the client has gone; returns how to stop listening. */
export type WhenGone = (listener: () => void) => () => void;

/** A socket's "gone" signal: its close (at once if it has closed already). */
export function whenClosed(socket: Socket): WhenGone {
  return (listener) => {
    if (socket.destroyed) {
      queueMicrotask(listener);
      return () => undefined;
    }
    socket.once('close', listener);
    return () => socket.off('close', listener);
  };
}

/**
 * The object's size for a dialect that announces it before any byte (native, legacy). For a
 * body of unannounced size that means waiting for its end; a client leaving meanwhile ends the
 * wait, so its reader is let go and a fill nobody reads any more can stop.
 */
export async function announcedSize(lease: Lease, whenGone: WhenGone): Promise<number> {
  const known = lease.body.size;
  if (known !== null) return known;
  let stopWatching = (): void => undefined;
  const gone = new Promise<never>((_resolve, reject) => {
    stopWatching = whenGone(() =>
      reject(new TransferBroken('the client went away while the object had no size yet')),
    );
  });
  try {
    return await Promise.race([lease.body.sizeKnown(), gone]);
  } catch (error) {
    if (error instanceof TransferBroken) throw error;
    throw fetchFailure(lease.target.path, error);
  } finally {
    stopWatching();
  }
}
