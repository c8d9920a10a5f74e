import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from '../logging/logger.js';
import { bearerMatches, checkAdminTokenSetting } from './admin-token.js';
import { bodyTypeProblem, crossSiteReason, hostNamesAdmin } from './request-guard.js';
import { endpointId } from '../endpoint.js';
import { HttpError, sendJson } from './http-json.js';
import { listen } from '../process/listen.js';

export type AdminMethod = 'GET' | 'POST' | 'DELETE';

export interface AdminRoute {
  method: AdminMethod;
  /** An exact path, or a pattern whose groups become the handler's params (URL-decoded). */
  path: string | RegExp;
  handle(req: IncomingMessage, res: ServerResponse, params: string[]): void | Promise<void>;
}

export interface AdminServerOptions {
  host: string;
  port: number;
  /** When set, POST/DELETE need `Authorization: Bearer <token>`; required beyond loopback. */
  token?: string;
  /** Names besides the address and `localhost` that `Host` may carry (e.g. a Compose service). */
  allowedHosts?: readonly string[];
  routes: AdminRoute[];
  log: Logger;
  /** For error messages: "balancer admin", "replica admin". */
  what: string;
}

export interface AdminServer {
  host: string;
  port: number;
  url: string;
  close(): Promise<void>;
}

function matchRoute(route: AdminRoute, path: string): string[] | null {
  if (typeof route.path === 'string') return route.path === path ? [] : null;
  const match = route.path.exec(path);
  if (!match) return null;
  try {
    return match.slice(1).map((part) => decodeURIComponent(part ?? ''));
  } catch {
    throw new HttpError(400, 'bad percent-encoding in the path');
  }
}

/**
 * A small JSON admin server: a routing table, {error} answers, and the rules of request-guard
 * (Host, same-origin, JSON bodies) and the token for every request that changes something.
 */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const { host, token, routes, log } = options;
  checkAdminTokenSetting(host, token);
  const allowedHosts = options.allowedHosts ?? [];

  const refuse = (req: IncomingMessage, status: number, reason: string, message: string) => {
    log.warn(
      { event: 'admin-refused', method: req.method, url: req.url, status, reason },
      'admin: request refused',
    );
    return new HttpError(status, message);
  };

  /** Changing something takes this server's own page or a tool, a JSON body, and the token. */
  const checkMutation = (req: IncomingMessage): void => {
    const crossSite = crossSiteReason(req.headers);
    if (crossSite) {
      throw refuse(req, 403, crossSite, `refused: sent by another site's page (${crossSite})`);
    }
    if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
      throw refuse(
        req,
        401,
        'bad token',
        'this needs "Authorization: Bearer <token>" (the admin token)',
      );
    }
    const bodyProblem = bodyTypeProblem(req.headers);
    if (bodyProblem) throw refuse(req, 415, bodyProblem, bodyProblem);
  };

  const dispatch = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hostNamesAdmin(req.headers.host, host, allowedHosts)) {
      throw refuse(
        req,
        403,
        `Host: ${req.headers.host ?? ''}`,
        `the Host header "${req.headers.host ?? ''}" does not name this admin server; ` +
          'use its address, or add the name to --admin-allowed-hosts',
      );
    }
    const path = new URL(req.url ?? '/', 'http://admin').pathname;
    const matching = routes
      .map((route) => ({ route, params: matchRoute(route, path) }))
      .filter((found) => found.params !== null);
    if (matching.length === 0) throw new HttpError(404, `nothing at ${path}`);
    const found = matching.find(({ route }) => route.method === req.method);
    if (!found) {
      res.setHeader('Allow', [...new Set(matching.map(({ route }) => route.method))].join(', '));
      throw new HttpError(405, `${req.method ?? '?'} is not allowed on ${path}`);
    }
    if (found.route.method !== 'GET') {
      checkMutation(req);
      log.info({ event: 'admin-request', method: req.method, path }, 'admin request');
    }
    await found.route.handle(req, res, found.params ?? []);
  };

  const server = createServer((req, res) => {
    dispatch(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      if (status === 500) log.error({ event: 'admin-error', reason: message }, 'admin failure');
      if (res.headersSent) res.destroy();
      else sendJson(res, status, { error: message });
    });
  });
  await listen(server, host, options.port, options.what);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${endpointId(host, port)}/`;
  log.info({ event: 'admin-listening', host, port, url }, 'admin server listening');
  return {
    host,
    port,
    url,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
