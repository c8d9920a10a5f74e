import { UserError } from '@cdn-lab/common';
import type { ErrorCode } from '@cdn-lab/protocol';

/** Why a client operation failed. Server codes pass through; the rest are the client's own. */
export type ClientErrorCode =
  | ErrorCode
  | 'all_replicas_failed'
  | 'digest_mismatch'
  | 'balancer_unreachable'
  | 'balancer_error'
  | 'output_failed'
  | 'object_changed';

export interface ClientErrorDetails {
  /** Set when the server asked the client to wait before trying again (no_replica). */
  retryAfterMs?: number;
}

/**
 * A failed route or download. Its message is one line naming what failed; CLIs print it as is
 * (it is a UserError) and exit 1.
 */
export class ClientError extends UserError {
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly code: ClientErrorCode,
    message: string,
    details: ClientErrorDetails = {},
  ) {
    super(message, 1);
    this.name = 'ClientError';
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** Replica error codes after which another replica may well succeed. */
export const RETRYABLE_REPLICA_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'draining',
  'origin_unavailable',
  'too_many_connections',
  'internal',
]);
