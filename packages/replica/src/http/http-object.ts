import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveObjectRequest } from '../request/request-lifecycle.js';
import type { ConnectionContext } from '../server/connection-context.js';
import { HttpAnswer } from './http-answer.js';
import { parseVia } from '../request/hop-check.js';

/**
 * The object's path from a request target: origin-form, or absolute-form (a proxy request).
 * "/" is the default object (what native and legacy clients get without a path); a replica
 * without one passes "/" to its origin like any other path. A target that is neither is
 * passed on as it is, for the path check to refuse.
 */
export function requestedPath(target: string, hasDefaultObject: boolean): string | null {
  if (target === '/') return hasDefaultObject ? null : '/';
  if (target.startsWith('/')) return target;
  try {
    const url = new URL(target);
    if (url.pathname === '/' && url.search === '') return hasDefaultObject ? null : '/';
    return `${url.pathname}${url.search}`;
  } catch {
    return target;
  }
}

/**
 * Answers one GET or HEAD through the same lifecycle and object store as the other dialects,
 * so the cache, collapsed forwarding, streaming while the origin fills and the faults all
 * apply unchanged.
 */
export async function serveHttpObject(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ConnectionContext,
  peer: string,
): Promise<void> {
  const target = req.url ?? '/';
  await serveObjectRequest(
    ctx,
    {
      dialect: 'http',
      path: requestedPath(target, ctx.resolver.defaultTarget !== null),
      offset: 0,
      headOnly: req.method === 'HEAD',
      peer,
      details: { method: req.method, range: req.headers.range },
      client: ctx.clientOf(req.socket),
      via: parseVia(req.headers.via),
    },
    new HttpAnswer(req, res, ctx.servedBy()),
  );
}
