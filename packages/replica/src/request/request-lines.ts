import type { CacheStatus } from '@cdn-lab/protocol';
import type { ServedDialect } from '../replica-events.js';
import type { ConnectionContext } from '../server/connection-context.js';

/** Who asked for what: the fields a request's two log lines share. */
export interface RequestLineFields {
  dialect: ServedDialect;
  path: string;
  offset: number;
  peer: string;
}

/**
 * A request's two lines in the log (when the request log lets them through): `request` as it
 * starts, `transfer-done` once its answer went out. The lifecycle and the HTTP fast path both
 * write them here, so a line reads the same whichever path answered.
 */
export function logRequestLine(
  ctx: ConnectionContext,
  fields: RequestLineFields,
  details?: Record<string, unknown>,
): void {
  ctx.log.info({ event: 'request', ...fields, ...details }, 'request');
}

export function logAnsweredLine(
  ctx: ConnectionContext,
  fields: RequestLineFields,
  outcome: { bytes: number; ms: number; cache: CacheStatus },
  answerFields: Record<string, unknown>,
): void {
  const { dialect, path, offset, peer } = fields;
  ctx.log.info(
    { event: 'transfer-done', dialect, path, offset, ...outcome, peer, ...answerFields },
    'answer sent',
  );
}
