import { EventEmitter } from 'node:events';
import {
  RequestLogGate,
  endpointId,
  objectKey,
  openEventLog,
  type AdminServer,
  type Logger,
} from '@cdn-lab/common';
import type { Endpoint, ErrorMessage } from '@cdn-lab/protocol';
import { Discovery, type DiscoveredReplica } from '@cdn-lab/common';
import type { StateChange } from './health.js';
import { startBalancerAdmin } from './admin/balancer-admin.js';
import { checkStrategyName, resolveBalancerOptions, type BalancerOptions } from './options.js';
import type { BalancerEvents } from './balancer-events.js';
import type { BalancerHandle } from './balancer-handle.js';
import { RouteServer } from './dialects/route-server.js';
import type { ExplainedReplica, Explanation } from './routing/explanation.js';
import { ClientSides } from './routing/client-side.js';
import type { CandidateFilter, RouteAnswer, RouteRequestInfo } from './routing/route-types.js';
import { peerAddress, placeClient, type Placement } from './regions/placement.js';
import { RegionMap } from './regions/region-map.js';
import { ShieldTier } from './shields/shield-tier.js';
import { STRATEGIES, type RouteChoice, type ReplicaView } from './strategies/index.js';
import {
  LiveView,
  byId,
  trackReplica,
  viewOf,
  type DecisionClock,
  type TrackedReplica,
} from './tracked-replica.js';

const MAX_ALTERNATES = 2;
/** The replicas a route names: the best and its alternates; strategies order only these. */
const WANTED = 1 + MAX_ALTERNATES;

function toEndpoint(view: ReplicaView): Endpoint {
  return { id: view.id, host: view.host, port: view.port };
}

/** One decision, before anything is counted: where the client is, and the replicas chosen. */
interface Choice {
  placement: Placement | null;
  choice: RouteChoice;
  best: ReplicaView | undefined;
  others: ReplicaView[];
}

/** The first `count` replicas of a strategy's order, each once (in case one is listed twice). */
function firstDistinct(ordered: readonly ReplicaView[], count: number): ReplicaView[] {
  const picked: ReplicaView[] = [];
  for (const view of ordered) {
    if (picked.length === count) break;
    if (!picked.some((seen) => seen.id === view.id)) picked.push(view);
  }
  return picked;
}

export async function startBalancer(options: BalancerOptions = {}): Promise<BalancerHandle> {
  const settings = resolveBalancerOptions(options);
  const log: Logger = options.log ?? openEventLog('balancer', undefined).log;
  const routeLog = new RequestLogGate(log, settings.logRequests);
  const say = options.say ?? (() => undefined);
  const events = new EventEmitter<BalancerEvents>();
  const tracked = new Map<string, TrackedReplica>();
  let strategy = settings.strategy;
  const regions =
    settings.topology && settings.defaultRegion !== null
      ? new RegionMap(settings.topology, settings.defaultRegion)
      : null;
  let sequence = 0;
  const startedAt = Date.now();
  const adminDrained = new Set<string>();
  const routeCounts = new Map<string, number>();
  let routesTotal = 0;
  /** The inside/outside rule; it applies only while a replica advertises an outside address. */
  const sides = new ClientSides({ interfaces: options.interfaces });
  const advertising = new Set<string>();

  const snapshot = (): ReplicaView[] =>
    [...tracked.values()].map((entry) => viewOf(entry)).sort(byId);

  /**
   * The replicas a route may go to (up, not drained by the admin), by id: kept up to date on
   * every state or set change, so a route never looks at replicas that are down — with
   * hundreds of dead servers.txt entries, that was most of a route's cost.
   */
  let routable: LiveView[] = [];
  /** Bumped with `routable` and with the advertising set: client sides cache candidates by it. */
  let routableVersion = 0;
  /** What routable views read their fading route counts at: the decision's time. */
  const clock: DecisionClock = { now: 0 };
  const liveViews = new WeakMap<TrackedReplica, LiveView>();
  const liveViewOf = (entry: TrackedReplica): LiveView => {
    let view = liveViews.get(entry);
    if (!view) {
      view = new LiveView(entry, clock);
      liveViews.set(entry, view);
    }
    return view;
  };
  const refreshRoutable = (): void => {
    routableVersion += 1;
    routable = [...tracked.values()]
      .filter(({ replica, health }) => health.state === 'up' && !adminDrained.has(replica.id))
      .sort((a, b) => byId(a.replica, b.replica))
      .map(liveViewOf);
  };

  /** The replicas a client could be sent to, whatever their state. */
  const knownFor = (reachable: CandidateFilter['reachable']): ReplicaView[] => {
    const known = snapshot().filter((view) => !adminDrained.has(view.id));
    return reachable ? known.filter(reachable) : known;
  };

  let shields: ShieldTier | null = null;
  const noReplicaMessage = (views: ReplicaView[]): string => {
    const draining = views.filter((view) => view.state === 'draining').length;
    const shieldCount = shields?.size ?? 0;
    return (
      `no healthy replica: 0 of ${views.length} up` +
      (draining > 0 ? ` (${draining} draining)` : '') +
      (views.length === 0 ? `; ${settings.serversFile} lists none` : '') +
      (shieldCount > 0
        ? `; the ${shieldCount} shield${shieldCount === 1 ? '' : 's'} of ${settings.shieldsFile ?? ''} take no routes`
        : '')
    );
  };

  const noReplica = (path: string | null, views: ReplicaView[]): ErrorMessage => {
    const retryAfterMs = Math.ceil(settings.probeIntervalMs * settings.rise);
    const message = noReplicaMessage(views);
    log.warn({ event: 'no-replica', path, known: views.length, retryAfterMs }, message);
    events.emit('no-replica', { path, known: views.length, at: Date.now() });
    return { type: 'error', code: 'no_replica', message, retryAfterMs };
  };

  /** Decides without counting anything: routes and /explain both ask this. */
  const choose = (
    path: string | null,
    client: string,
    info: CandidateFilter,
    now: number,
  ): Choice => {
    // Strategies only ever pick replicas that are up, so they are given only those, as live
    // views (no copy per route) read at this decision's time.
    clock.now = now;
    const views = info.among
      ? info.among(routable, routableVersion)
      : info.reachable
        ? routable.filter(info.reachable)
        : routable;
    // Every spelling of an object, and every query the replicas ignore, has one owner.
    const key = path === null ? null : objectKey(path, settings.query);
    const placement = regions ? placeClient(regions, client, info.region ?? null) : null;
    const choice = STRATEGIES[strategy](
      views,
      placement ? { path: key, placement, wanted: WANTED } : { path: key, wanted: WANTED },
      { sequence, random: Math.random },
    );
    const [best, ...others] = firstDistinct(choice.ordered, WANTED);
    return { placement, choice, best, others };
  };

  const decide = (
    path: string | null,
    peer: string,
    info: RouteRequestInfo = { dialect: 'native' },
  ): RouteAnswer => {
    const now = performance.now();
    // While no replica advertises an outside address, every client is answered as before.
    const side =
      advertising.size > 0 && info.connection ? sides.ofConnection(info.connection) : null;
    const candidates = side ? side.filter(info.reachable, info.region) : info;
    const { placement, choice, best, others } = choose(
      path,
      regions ? peerAddress(peer) : peer,
      candidates,
      now,
    );
    sequence += 1;
    if (!best) return noReplica(path, knownFor(candidates.reachable));
    // A method and its `this`, not a closure: no context to allocate on every route.
    const alternates = side ? others.map(side.endpointOf, side) : others.map(toEndpoint);
    const chosen = tracked.get(best.id);
    if (chosen) {
      chosen.health.routedSinceReport += 1;
      chosen.health.noteRoute(now);
    }
    routesTotal += 1;
    routeCounts.set(best.id, (routeCounts.get(best.id) ?? 0) + 1);
    const bestEndpoint = side ? side.endpointOf(best) : toEndpoint(best);
    // Per route: the line and the event are only built when a log level or listener wants them.
    if (log.isLevelEnabled('info') && routeLog.admits(Date.now())) {
      log.info(
        {
          event: 'route',
          peer,
          path,
          best: bestEndpoint.id,
          alternates: alternates.map((a) => a.id),
          // The replica's own name, when the client was given the address it advertises.
          ...(bestEndpoint.id !== best.id ? { replica: best.id } : {}),
          strategy,
          reason: choice.reason,
          dialect: info.dialect,
          ...(placement ? { clientRegion: placement.region, region: best.region } : {}),
        },
        'route chosen',
      );
    }
    if (events.listenerCount('route') > 0) {
      events.emit('route', {
        path,
        best: bestEndpoint,
        replica: best.id,
        alternates,
        strategy,
        reason: choice.reason,
        dialect: info.dialect,
        clientRegion: placement?.region ?? null,
        region: best.region,
        at: Date.now(),
      });
    }
    return { type: 'route-ok', best: bestEndpoint, alternates, strategy, reason: choice.reason };
  };

  const onStateChange = (id: string, change: StateChange | null): void => {
    if (!change) return;
    refreshRoutable();
    log.info({ event: 'replica-state', replica: id, ...change }, `replica ${change.to}`);
    say(`replica ${id} is ${change.to} (${change.reason})`);
    const region = tracked.get(id)?.health.load?.region ?? null;
    events.emit('replica-state', { id, ...change, region, at: Date.now() });
  };

  const track = (replica: DiscoveredReplica): void => {
    const entry = trackReplica(replica, settings, log, {
      answered: (rttMs, load, change) => {
        const before = advertising.size;
        if (load.advertised) advertising.add(replica.id);
        else advertising.delete(replica.id);
        if (advertising.size !== before) routableVersion += 1;
        events.emit('probe', { id: replica.id, rttMs, region: load.region ?? null });
        onStateChange(replica.id, change);
      },
      failed: (reason, change) => {
        events.emit('probe-failed', { id: replica.id, reason });
        onStateChange(replica.id, change);
      },
    });
    tracked.set(replica.id, entry);
  };

  const untrack = (replica: DiscoveredReplica): void => {
    tracked.get(replica.id)?.prober.stop();
    tracked.delete(replica.id);
    adminDrained.delete(replica.id);
    if (advertising.delete(replica.id)) routableVersion += 1;
  };

  const server = new RouteServer({
    decide,
    log,
    legacySilenceMs: settings.legacySilenceMs,
    limits: options.limits,
  });
  const address = await server.listen(settings.host, settings.port);
  const discovery = new Discovery({
    serversFile: settings.serversFile,
    defaultPort: address.port,
    reloadIntervalMs: settings.reloadIntervalMs,
    log,
    say,
    resolve: options.resolve,
  });
  discovery.on('replicas', (change) => {
    change.removed.forEach(untrack);
    change.added.forEach(track);
    refreshRoutable();
    events.emit('replicas', change);
  });
  if (settings.shieldsFile !== null) {
    shields = new ShieldTier({
      file: settings.shieldsFile,
      settings,
      defaultPort: address.port,
      events,
      log,
      say,
      resolve: options.resolve,
    });
  }
  try {
    await discovery.start();
    await shields?.start();
  } catch (error) {
    discovery.stop();
    shields?.stop();
    for (const { prober } of tracked.values()) prober.stop();
    await server.close(0);
    throw error;
  }

  const endpoint: Endpoint = {
    id: endpointId(settings.host, address.port),
    host: settings.host,
    port: address.port,
  };
  log.info(
    {
      event: 'balancer-started',
      endpoint: endpoint.id,
      replicas: tracked.size,
      shields: shields?.size ?? 0,
      strategy,
      settings: { ...settings, topology: settings.topology?.source ?? null },
    },
    'balancer started',
  );

  let closing: Promise<void> | null = null;
  let admin: AdminServer | null = null;
  const explain = (
    client: string,
    path: string,
    hint: string | null,
    local: string | null = null,
  ): Explanation => {
    // Without the connection, the client's own subnet stands for the one it would arrive on.
    const side = advertising.size > 0 ? sides.ofLocalAddress(local ?? client) : null;
    const candidates = {
      ...(side ? side.filter() : {}),
      ...(hint === null ? {} : { region: hint }),
    };
    const { placement, choice, best, others } = choose(path, client, candidates, performance.now());
    const replica = (view: ReplicaView): ExplainedReplica => {
      const endpoint = side ? side.endpointOf(view) : toEndpoint(view);
      return {
        ...endpoint,
        region: view.region,
        ...(endpoint.id !== view.id ? { replica: view.id } : {}),
      };
    };
    return {
      client,
      path,
      hint,
      zone: placement?.zone ?? null,
      region: placement?.region ?? null,
      rule: placement?.rule ?? null,
      strategy,
      best: best ? replica(best) : null,
      alternates: others.map(replica),
      reason: best ? choice.reason : noReplicaMessage(knownFor(candidates.reachable)),
      ...(side ? { subnet: side.subnet?.cidr ?? null } : {}),
    };
  };

  const handle: BalancerHandle = {
    endpoint,
    events,
    snapshot,
    shields: () => shields?.views() ?? [],
    startedAt,
    settings,
    regions,
    explain,
    get strategy() {
      return strategy;
    },
    get routesTotal() {
      return routesTotal;
    },
    get admin() {
      return admin;
    },
    routesTo: (id) => routeCounts.get(id) ?? 0,
    setStrategy(name: string) {
      const next = checkStrategyName(name, regions !== null);
      log.info({ event: 'strategy-changed', from: strategy, to: next }, 'strategy changed');
      strategy = next;
      events.emit('strategy', { strategy, at: Date.now() });
    },
    isAdminDrained: (id) => adminDrained.has(id),
    setAdminDrained(id, drained) {
      if (!tracked.has(id)) return false;
      if (drained === adminDrained.has(id)) return true;
      if (drained) adminDrained.add(id);
      else adminDrained.delete(id);
      refreshRoutable();
      log.info(
        { event: drained ? 'admin-drain' : 'admin-undrain', replica: id },
        drained ? 'replica drained by the admin: no routes' : 'replica undrained by the admin',
      );
      say(`replica ${id} ${drained ? 'drained' : 'undrained'} through the admin API`);
      return true;
    },
    close() {
      closing ??= (async () => {
        log.info({ event: 'shutdown-started' }, 'stopping: no new connections');
        await admin?.close();
        discovery.stop();
        shields?.stop();
        await server.close();
        for (const { prober } of tracked.values()) prober.stop();
        routeLog.flush();
        log.info({ event: 'shutdown-complete' }, 'balancer stopped');
      })();
      return closing;
    },
  };
  if (options.admin) {
    try {
      admin = await startBalancerAdmin(handle, options.admin, log);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }
  return handle;
}
