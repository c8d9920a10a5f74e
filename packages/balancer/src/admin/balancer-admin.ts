import {
  DEFAULT_ADMIN_HOST,
  HttpError,
  UserError,
  readJsonObject,
  sendJson,
  startAdminServer,
  type AdminRoute,
  type AdminServer,
  type AdminSettings,
  type Logger,
} from '@cdn-lab/common';
import type { ReplicaStateEvent, StrategyEvent } from '../balancer-events.js';
import type { BalancerHandle } from '../balancer-handle.js';
import type { ReplicaSetChange } from '@cdn-lab/common';
import { strategyNamesFor } from '../strategies/index.js';
import { balancerMetrics } from './balancer-metrics.js';
import { serveDashboardFile } from './dashboard-files.js';
import { explainRoute } from './explain-route.js';
import { EventStream } from './event-stream.js';
import { RecentTiers } from './recent-tiers.js';
import { StateSince, balancerStatus } from './status.js';
import { SummaryMaker } from './summary.js';

const SUMMARY_INTERVAL_MS = 1000;

/**
 * The balancer's admin HTTP API: /status (with the shields and the tiers), /metrics, /events (SSE), POST /strategy,
 * POST /replicas/:id/drain|undrain, and the dashboard at / and /dashboard/<file>.
 */
export async function startBalancerAdmin(
  balancer: BalancerHandle,
  settings: AdminSettings,
  log: Logger,
): Promise<AdminServer> {
  const { events } = balancer;
  const metrics = balancerMetrics(balancer);
  const since = new StateSince(balancer.startedAt);
  const stream = new EventStream();
  const recent = new RecentTiers();
  const summaries = new SummaryMaker(balancer, recent);
  for (const view of [...balancer.snapshot(), ...balancer.shields()]) {
    since.added(view.id, balancer.startedAt);
  }
  const status = () => balancerStatus(balancer, since, recent);

  /** `shield`: the change is a shield's (the page keeps shields apart from the replicas). */
  const stateSender =
    (shield: boolean) =>
    (change: ReplicaStateEvent): void => {
      since.changed(change.id, change.at);
      stream.send('state', {
        id: change.id,
        from: change.from,
        to: change.to,
        reason: change.reason,
        region: change.region,
        at: change.at,
        ...(shield ? { shield } : {}),
      });
    };
  const setSender =
    (event: 'replicas' | 'shields') =>
    (change: ReplicaSetChange): void => {
      const at = Date.now();
      for (const { id } of change.added) since.added(id, at);
      for (const { id } of change.removed) since.removed(id);
      stream.send(event, {
        added: change.added.map(({ id }) => id),
        removed: change.removed.map(({ id }) => id),
        at,
      });
    };
  const onState = stateSender(false);
  const onShieldState = stateSender(true);
  const onStrategy = (change: StrategyEvent): void => stream.send('strategy', change);
  const onReplicas = setSender('replicas');
  const onShields = setSender('shields');
  events.on('replica-state', onState);
  events.on('shield-state', onShieldState);
  events.on('strategy', onStrategy);
  events.on('replicas', onReplicas);
  events.on('shields', onShields);
  const ticker = setInterval(() => {
    const summary = summaries.next();
    stream.send('summary', summary);
  }, SUMMARY_INTERVAL_MS);
  ticker.unref();

  const drainRoute = (drained: boolean): AdminRoute => ({
    method: 'POST',
    path: new RegExp(`^/replicas/([^/]+)/${drained ? 'drain' : 'undrain'}$`),
    handle: (_req, res, [id = '']) => {
      if (!balancer.setAdminDrained(id, drained)) {
        throw new HttpError(404, `no replica ${id}; known: ${knownIds(balancer)}`);
      }
      sendJson(res, 200, { id, adminDrained: drained });
    },
  });

  let server: AdminServer;
  try {
    server = await startAdminServer({
      host: settings.host ?? DEFAULT_ADMIN_HOST,
      port: settings.port,
      token: settings.token,
      allowedHosts: settings.allowedHosts,
      log,
      what: 'balancer admin',
      routes: [
        { method: 'GET', path: '/', handle: (_req, res) => serveDashboardFile(res, 'index.html') },
        {
          method: 'GET',
          path: /^\/dashboard\/([^/]+)$/,
          handle: (_req, res, [name = '']) => serveDashboardFile(res, name),
        },
        {
          method: 'GET',
          path: '/status',
          handle: (_req, res) => sendJson(res, 200, status()),
        },
        {
          method: 'GET',
          path: '/metrics',
          handle: async (_req, res) => {
            const text = await metrics.registry.metrics();
            res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text);
          },
        },
        {
          method: 'GET',
          path: '/events',
          handle: (req, res) => stream.join(req, res, status()),
        },
        {
          method: 'POST',
          path: '/strategy',
          handle: async (req, res) => {
            const body = await readJsonObject(req);
            const name = body['strategy'];
            if (typeof name !== 'string') {
              throw new HttpError(
                400,
                `give {"strategy": name}; one of ${strategyNamesFor(balancer.regions !== null).join(', ')}`,
              );
            }
            try {
              balancer.setStrategy(name);
            } catch (error) {
              if (error instanceof UserError) throw new HttpError(400, error.message);
              throw error;
            }
            sendJson(res, 200, { strategy: balancer.strategy });
          },
        },
        explainRoute(balancer),
        drainRoute(true),
        drainRoute(false),
      ],
    });
  } catch (error) {
    stop();
    throw error;
  }

  function stop(): void {
    clearInterval(ticker);
    events.off('replica-state', onState);
    events.off('shield-state', onShieldState);
    events.off('strategy', onStrategy);
    events.off('replicas', onReplicas);
    events.off('shields', onShields);
    metrics.detach();
    stream.close();
  }

  return {
    ...server,
    close: async () => {
      stop();
      await server.close();
    },
  };
}

function knownIds(balancer: BalancerHandle): string {
  const ids = balancer.snapshot().map((view) => view.id);
  return ids.length > 0 ? ids.join(', ') : 'none';
}
