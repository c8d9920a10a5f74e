import type { IncomingMessage, ServerResponse } from 'node:http';
import { endpointId, sendAnswer, sendText, type HttpRequestHandler } from '@cdn-lab/common';
import { REGION_NAME, type Endpoint } from '@cdn-lab/protocol';
import type { Decide } from '../routing/route-types.js';

/** The replica's URL for a path: http://host:port/path, an IPv6 host in brackets. */
export function replicaUrl(replica: Endpoint, path: string): string {
  return `http://${endpointId(replica.host, replica.port)}${path}`;
}

/** The path to route, and whether JSON was asked for (`?format=json`, removed from the path). */
export function parseRouteTarget(
  target: string,
  accept: string | undefined,
): { path: string; json: boolean } | null {
  if (!target.startsWith('/')) return null;
  const queryAt = target.indexOf('?');
  const pathname = queryAt < 0 ? target : target.slice(0, queryAt);
  const params = queryAt < 0 ? [] : target.slice(queryAt + 1).split('&');
  const kept = params.filter((param) => param !== 'format=json' && param !== '');
  const json = kept.length !== params.filter((p) => p !== '').length || wantsJson(accept);
  return { path: kept.length > 0 ? `${pathname}?${kept.join('&')}` : pathname, json };
}

function wantsJson(accept: string | undefined): boolean {
  return accept !== undefined && /\bapplication\/json\b/i.test(accept);
}

/** The HTTP route dialect's region hint (the native route frame's `region` field). */
export const REGION_HINT_HEADER = 'x-cdn-region';

/** A header value as a hint; text that is no region name is said as such, not repeated. */
function regionHintOf(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  return REGION_NAME.test(trimmed) ? trimmed : '(not a region name)';
}

/** A route is the decision of the moment: no cache may keep it. Also on the server's refusals. */
export const ROUTE_ANSWER_HEADERS = { 'Cache-Control': 'no-store' } as const;

/**
 * The balancer's HTTP answers (common's sniffed-HTTP server hands it each GET or HEAD):
 * `GET /path` is redirected (302) to the chosen replica, or answered as JSON.
 */
export class HttpRoutes implements HttpRequestHandler {
  constructor(private readonly decide: Decide) {}

  /** The balancer does not drain: closing it ends every connection. */
  isDraining(): boolean {
    return false;
  }

  serve(req: IncomingMessage, res: ServerResponse, peer: string): void {
    const target = parseRouteTarget(req.url ?? '/', req.headers.accept);
    if (!target) {
      sendText(
        req,
        res,
        400,
        'the request target must be a path starting with "/"',
        ROUTE_ANSWER_HEADERS,
      );
      return;
    }
    const answer = this.decide(target.path, peer, {
      dialect: 'http',
      region: regionHintOf(req.headers[REGION_HINT_HEADER]),
      connection: req.socket,
    });
    if (answer.type === 'error') {
      const retryAfter = String(Math.max(1, Math.ceil((answer.retryAfterMs ?? 1000) / 1000)));
      const body = target.json
        ? JSON.stringify({
            error: answer.code,
            message: answer.message,
            retryAfterMs: answer.retryAfterMs,
          })
        : `${answer.message}\n`;
      sendAnswer(req, res, 503, body, {
        ...ROUTE_ANSWER_HEADERS,
        'Retry-After': retryAfter,
        'Content-Type': target.json ? 'application/json' : 'text/plain; charset=utf-8',
      });
      return;
    }
    const location = replicaUrl(answer.best, target.path);
    const alternates = answer.alternates.map((replica) => replicaUrl(replica, target.path));
    if (target.json) {
      const body = JSON.stringify({
        location,
        alternates,
        strategy: answer.strategy,
        reason: answer.reason,
      });
      sendAnswer(req, res, 200, body, {
        ...ROUTE_ANSWER_HEADERS,
        'Content-Type': 'application/json',
      });
      return;
    }
    sendText(req, res, 302, `Found: ${location}`, {
      ...ROUTE_ANSWER_HEADERS,
      Location: location,
      'X-Alternates': alternates.join(', '),
      'X-Strategy': answer.strategy,
    });
  }
}
