import {
  HttpError,
  UserError,
  parseFaults,
  type Faults,
  readJsonObject,
  sendJson,
  startAdminServer,
  type AdminServer,
  type AdminSettings,
  type Logger,
} from '@cdn-lab/common';
import type { Registry } from 'prom-client';
import type { FaultInjector } from '../faults/fault-injector.js';

export interface ReplicaAdminSources {
  status(): unknown;
  registry: Registry;
  faults: FaultInjector;
  log: Logger;
}

function faultsFrom(body: Record<string, unknown>): Faults {
  try {
    return parseFaults(body);
  } catch (error) {
    if (error instanceof UserError) throw new HttpError(400, error.message);
    throw error;
  }
}

/** GET /status, GET /metrics, POST /faults (merge), DELETE /faults (clear). */
export function startReplicaAdmin(
  settings: AdminSettings,
  sources: ReplicaAdminSources,
): Promise<AdminServer> {
  const { faults, registry } = sources;
  return startAdminServer({
    host: settings.host ?? '127.0.0.1',
    port: settings.port,
    token: settings.token,
    allowedHosts: settings.allowedHosts,
    log: sources.log,
    what: 'replica admin',
    routes: [
      {
        method: 'GET',
        path: '/status',
        handle: (_req, res) => sendJson(res, 200, sources.status()),
      },
      {
        method: 'GET',
        path: '/metrics',
        handle: async (_req, res) => {
          const text = await registry.metrics();
          res.writeHead(200, { 'Content-Type': registry.contentType }).end(text);
        },
      },
      {
        method: 'POST',
        path: '/faults',
        handle: async (req, res) => {
          const changes = faultsFrom(await readJsonObject(req));
          sendJson(res, 200, faults.merge(changes));
        },
      },
      {
        method: 'DELETE',
        path: '/faults',
        handle: (_req, res) => {
          faults.clear();
          sendJson(res, 200, {});
        },
      },
    ],
  });
}
