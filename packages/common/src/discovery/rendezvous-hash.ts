import { BoundedMemo } from '../bounded-memo.js';

/** Stable 64-bit FNV-1a and a rendezvous weight built on it: same answers in every process. */

export interface Hash64 {
  hi: number;
  lo: number;
}

const TWO_32 = 0x1_0000_0000;

/**
 * FNV-1a 64 over the UTF-8 bytes (a lone surrogate counts as U+FFFD, as Buffer.from encodes
 * it), computed on two 32-bit halves and without a Buffer: it runs for the path and for every
 * replica of every route.
 */
export function fnv1a64(text: string): Hash64 {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  const mix = (byte: number): void => {
    lo = (lo ^ byte) >>> 0;
    // × 0x100000001b3 = × 0x1b3 plus × 2^40 (which only touches the high half).
    const low = lo * 0x1b3;
    hi = (Math.imul(hi, 0x1b3) + Math.floor(low / TWO_32) + ((lo << 8) >>> 0)) >>> 0;
    lo = low >>> 0;
  };
  for (let index = 0; index < text.length; index += 1) {
    let code = text.charCodeAt(index);
    if (code < 0x80) {
      mix(code);
      continue;
    }
    if (code < 0x800) {
      mix(0xc0 | (code >> 6));
      mix(0x80 | (code & 0x3f));
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = text.charCodeAt(index + 1);
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        index += 1;
        mix(0xf0 | (code >> 18));
        mix(0x80 | ((code >> 12) & 0x3f));
        mix(0x80 | ((code >> 6) & 0x3f));
        mix(0x80 | (code & 0x3f));
        continue;
      }
      code = 0xfffd;
    }
    mix(0xe0 | (code >> 12));
    mix(0x80 | ((code >> 6) & 0x3f));
    mix(0x80 | (code & 0x3f));
  }
  return { hi, lo };
}

/** MurmurHash3's 32-bit finalizer: every input bit flips about half the output bits. */
function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The highest-random-weight score of (key, node), a 53-bit integer. The FNV hashes are mixed
 * again because FNV alone leaves the high bits weakly dependent on the last bytes.
 */
export function rendezvousWeight(key: Hash64, node: Hash64): number {
  const a = fmix32(key.lo ^ node.lo);
  const b = fmix32(key.hi ^ node.hi ^ a);
  const c = fmix32(a ^ b ^ 0x9e3779b9);
  return b * 2 ** 21 + (c >>> 11);
}

const idHashes = new BoundedMemo<string, Hash64>(4096, fnv1a64);

/** The hash of a key (an object's path; null: the default object) that weights are built on. */
export function rendezvousKey(key: string | null): Hash64 {
  return fnv1a64(key ?? '');
}

/**
 * Something ranked by rendezvous hashing; it may carry its id's hash (`idHash`, fnv1a64 of the
 * id), which spares a look-up per node per key where thousands are ranked for every route.
 */
export interface RendezvousNode {
  readonly id: string;
  readonly idHash?: Hash64;
}

/** The node's weight for a key (rendezvousKey): the one rendezvousOrder sorts by. */
export function rendezvousNodeWeight(keyHash: Hash64, node: RendezvousNode): number {
  return rendezvousWeight(keyHash, node.idHash ?? idHashes.get(node.id));
}

/**
 * Rendezvous order of the nodes for one key (an object's path): the owner first. Ties break
 * by id. The balancer ranks replicas with it, a replica its parents, so each object has one
 * home in a tier and only ~1/n of the paths move when a node comes or goes.
 */
export function rendezvousOrder<Node extends { readonly id: string }>(
  key: string | null,
  nodes: readonly Node[],
): Node[] {
  const keyHash = fnv1a64(key ?? '');
  return nodes
    .map((node) => ({ node, weight: rendezvousWeight(keyHash, idHashes.get(node.id)) }))
    .sort((x, y) => y.weight - x.weight || (x.node.id < y.node.id ? -1 : 1))
    .map(({ node }) => node);
}
