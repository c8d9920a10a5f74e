import { rendezvousKey, rendezvousNodeWeight } from '@cdn-lab/common';
import { TopRanked } from './top-k.js';
import type { ReplicaView } from './types.js';

/** How many of a path's rendezvous order are kept: enough for the best and its alternates. */
export const KEPT_PER_PATH = 8;
/** Paths kept per list of replicas; the oldest goes first (a few hundred KB at most). */
export const KEPT_PATHS = 4096;

/**
 * The first KEPT_PER_PATH positions of some replicas in a path's rendezvous order (weight
 * descending, ties by id), kept per path for one list of up replicas: a hot path's route then
 * hashes no replica. The order depends only on the ids, so the kept ones hold until the list
 * is replaced (the balancer builds a new one on every state or membership change) or `forget`
 * is called; loads, which decide the spills, are read fresh at every route by the caller.
 */
export class PathTops {
  #list: readonly ReplicaView[] | null = null;
  #length = -1;
  readonly #kept = new Map<string, readonly number[]>();

  /** `members`: the positions in `list` to rank; `key` names the path and the member set. */
  get(
    list: readonly ReplicaView[],
    key: string,
    path: string | null,
    members: () => Iterable<number>,
  ): readonly number[] {
    if (list !== this.#list || list.length !== this.#length) {
      this.forget();
      this.#list = list;
      this.#length = list.length;
    }
    let top = this.#kept.get(key);
    if (top === undefined) {
      if (this.#kept.size >= KEPT_PATHS) {
        const oldest = this.#kept.keys().next();
        if (oldest.done !== true) this.#kept.delete(oldest.value);
      }
      top = rendezvousTop(list, path, members());
      this.#kept.set(key, top);
    }
    return top;
  }

  forget(): void {
    this.#kept.clear();
    this.#list = null;
    this.#length = -1;
  }
}

function rendezvousTop(
  list: readonly ReplicaView[],
  path: string | null,
  members: Iterable<number>,
): number[] {
  const keyHash = rendezvousKey(path);
  const top = new TopRanked(KEPT_PER_PATH);
  for (const at of members) {
    const replica = list[at] as ReplicaView;
    top.offer(at, 0, rendezvousNodeWeight(keyHash, replica), replica.id);
  }
  return top.positions();
}

/**
 * The first `wanted` of `top` ordered by spill tier (stable, so rendezvous order within a
 * tier), when `top` decides them: it holds `wanted` of the best tier, or every member. Null:
 * it does not (the best few are all spilled), and the caller ranks every member.
 */
export function spillOrder(
  top: readonly number[],
  members: number,
  wanted: number,
  tierOf: (at: number) => number,
): number[] | null {
  const tiers = top.map(tierOf);
  // Short of every member, only `wanted` of the best tier are sure to come before the rest.
  if (top.length < members && tiers.filter((tier) => tier === 0).length < wanted) return null;
  return top
    .map((at, index) => ({ at, tier: tiers[index] as number, index }))
    .sort((a, b) => a.tier - b.tier || a.index - b.index)
    .slice(0, wanted)
    .map(({ at }) => at);
}
