import type { ErrorCode } from '@cdn-lab/protocol';

/** A failure of one request: answered with an error frame, the connection stays usable. */
export class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

/** An origin fetch that broke before the size was known, as the request's error (keeps too_large). */
export function fetchFailure(path: string, error: unknown): RequestError {
  const why = error instanceof Error ? error.message : String(error);
  const code = error instanceof RequestError ? error.code : 'origin_error';
  return new RequestError(code, `the origin fetch of ${path} failed: ${why}`);
}

/** Whether a failed request counts against the replica's own health (see the passive check). */
export function isReplicaFault(error: unknown): boolean {
  if (error instanceof RequestError) return error.code === 'internal';
  if (error instanceof Error && 'replicaFault' in error) return error.replicaFault === true;
  return true;
}
