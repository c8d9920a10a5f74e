import type { CacheStatus, EndMessage } from '@cdn-lab/protocol';
import { ClientError } from './errors.js';
import { describePath } from './fetch-part.js';
import { originVouch, type DigestPromise, type TransferState } from './transfer-state.js';

/** What a verified download is. */
export interface Verified {
  path: string;
  size: number;
  sha256: string;
  cache: CacheStatus;
}

function short(digest: string): string {
  return `${digest.slice(0, 12)}…`;
}

/**
 * The digests the bytes must have, most telling first: the replica's at the end, the origin's
 * (its Repr-Digest, passed on by the replica), then every one promised before the bytes.
 */
function checksFor(state: TransferState, end: EndMessage, servedBy: string): DigestPromise[] {
  return [
    { sha256: end.sha256, by: `replica ${servedBy} (its end frame)` },
    ...(end.originSha256 ? [{ sha256: end.originSha256, by: originVouch(servedBy) }] : []),
    ...state.promised,
  ];
}

/**
 * Checks the assembled bytes against every digest anyone vouched for; a mismatch is a
 * digest_mismatch naming the check that failed and, when the bytes came from more than one
 * replica, that the parts may be of two versions of the object.
 */
export function verify(
  path: string | null,
  state: TransferState,
  end: EndMessage,
  servedBy: string,
  restarted: boolean,
): Verified {
  state.contributed(servedBy);
  const object = state.object;
  if (!object) throw new ClientError('internal', 'the download completed without an object');
  const digest = state.digest();
  const failed = checksFor(state, end, servedBy).find((check) => check.sha256 !== digest);
  if (failed) {
    const from = state.servedBy;
    const why =
      from.length > 1
        ? `the parts from ${from.join(' and ')} are of different versions of the object`
        : 'the bytes were corrupted on the way';
    const again = restarted ? ', even after starting again from byte 0' : '';
    throw new ClientError(
      'digest_mismatch',
      `sha256 of ${describePath(path)} from ${from.join(', ')} is ${short(digest)}, but ${failed.by} says ${short(failed.sha256)}: ${why}${again}`,
    );
  }
  return { path: object.path, size: object.size, sha256: digest, cache: object.cache };
}

/** A mismatch after a failover may be a splice of two versions: starting over can cure it. */
export function splicedMismatch(error: unknown, state: TransferState): error is ClientError {
  return (
    error instanceof ClientError && error.code === 'digest_mismatch' && state.servedBy.length > 1
  );
}
