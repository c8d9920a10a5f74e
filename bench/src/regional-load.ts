import { BalancerSession, download, type RegionBinding, type Router } from '@cdn-lab/client';
import type { RegionalWorld } from './regional-world.js';
import { seededRandom, zipfSequence } from '@cdn-lab/common';

const ZIPF_EXPONENT = 1;
const DOWNLOAD_TIMEOUT_MS = 5000;

/** One download by a client in `clientRegion`. */
export interface RegionalSample {
  clientRegion: string;
  path: string | null;
  /** Where the first byte came from; null when the download failed. */
  servedRegion: string | null;
  /** From the get sent to the first byte of the object (ms); null when it failed. */
  ttfbMs: number | null;
  failovers: number;
  /** performance.now() when the download started. */
  at: number;
}

/** One route answer a client in `clientRegion` was given. */
export interface RouteSample {
  clientRegion: string;
  bestRegion: string | null;
  at: number;
}

export interface RegionalLoad {
  samples: RegionalSample[];
  routes: RouteSample[];
}

/** A client of `region` on one address of it, sending no hint: the coverage zone places it. */
export function addressOnly(region: string, address: string): RegionBinding {
  return { region, hint: false, source: 'loopback', nextAddress: () => address };
}

/**
 * One verified download by a client of `region` (on its address n) straight from `replica`:
 * no balancer, no choice. Resolves to the time to the first byte (ms).
 */
export async function downloadFrom(
  world: RegionalWorld,
  replica: { host: string; port: number },
  client: { region: string; n: number },
  path: string | null,
): Promise<number | null> {
  const best = { id: `${replica.host}:${replica.port}`, host: replica.host, port: replica.port };
  const result = await download({
    balancer: { host: world.balancer.host, port: world.balancer.port },
    path,
    sink: null,
    region: addressOnly(client.region, world.clientAddress(client.region, client.n)),
    router: () =>
      Promise.resolve({
        type: 'route-ok',
        best,
        alternates: [],
        strategy: 'direct',
        reason: 'straight to one replica',
      }),
    timeoutMs: DOWNLOAD_TIMEOUT_MS,
  });
  return result.firstByteMs;
}

/**
 * Closed-loop clients in every region, each on addresses of its own region (so the balancer
 * places it by its source address, no hint), fetching a Zipf mix of `paths` until `stopAt`.
 */
export async function runRegionalLoad(options: {
  world: RegionalWorld;
  paths: readonly string[];
  clientsPerRegion: number;
  /** Whether the clients go on (checked before each download). */
  running: () => boolean;
  seed: number;
  /** Each client stops after this many downloads (default: only `running` stops it). */
  downloadsPerClient?: number;
  /** Told of every download as it ends. */
  onSample?: (sample: RegionalSample) => void;
}): Promise<RegionalLoad> {
  const { world } = options;
  const samples: RegionalSample[] = [];
  const routes: RouteSample[] = [];
  const balancer = { host: world.balancer.host, port: world.balancer.port };
  const client = async (region: string, n: number, stream: number): Promise<void> => {
    const placed = addressOnly(region, world.clientAddress(region, n));
    const session = new BalancerSession(balancer, { region: placed });
    const router: Router = async (path) => {
      const answer = await session.route(path);
      routes.push({
        clientRegion: region,
        bestRegion: world.regionOf(answer.best.id),
        at: performance.now(),
      });
      return answer;
    };
    const draws = zipfSequence(
      options.paths.length,
      ZIPF_EXPONENT,
      4096,
      seededRandom(options.seed + stream * 7919),
    );
    try {
      const limit = options.downloadsPerClient ?? Infinity;
      const record = (sample: RegionalSample): void => {
        samples.push(sample);
        options.onSample?.(sample);
      };
      for (let index = 0; index < limit && options.running(); index += 1) {
        const path = options.paths[draws[index % draws.length] ?? 0] ?? null;
        const at = performance.now();
        try {
          const result = await download({
            balancer,
            path,
            sink: null,
            router,
            region: placed,
            timeoutMs: DOWNLOAD_TIMEOUT_MS,
          });
          const first = result.servedBy[0];
          record({
            clientRegion: region,
            path,
            servedRegion: first === undefined ? null : world.regionOf(first),
            ttfbMs: result.firstByteMs,
            failovers: result.failovers,
            at,
          });
        } catch {
          record({
            clientRegion: region,
            path,
            servedRegion: null,
            ttfbMs: null,
            failovers: 0,
            at,
          });
        }
      }
    } finally {
      session.close();
    }
  };
  await Promise.all(
    world.topology.regions.flatMap((region, r) =>
      Array.from({ length: options.clientsPerRegion }, (_, i) =>
        // Each client its own Zipf stream (the regions' names are all two letters long).
        client(region.name, i + 1, r * options.clientsPerRegion + i),
      ),
    ),
  );
  return { samples, routes };
}
