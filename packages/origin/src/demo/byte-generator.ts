import { endianness } from 'node:os';

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** FNV-1a: a tiny, fixed string hash, so a seed text always gives the same starting state. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** splitmix32 step: spreads one 32-bit seed into well-mixed state words. */
function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/**
 * A seeded xorshift128 byte stream: the same seed text gives the same bytes on every run and
 * every machine (words are emitted little-endian whatever the host). Not cryptographic; it
 * only has to be fast and reproducible. Every fill except the last must be a multiple of 4
 * bytes long, so the stream does not depend on how it was cut into chunks.
 */
export class DeterministicBytes {
  private readonly state = new Uint32Array(4);
  private finished = false;

  constructor(seedText: string) {
    let seed = fnv1a(seedText);
    for (let i = 0; i < 4; i += 1) {
      const [next, word] = splitmix32(seed);
      seed = next;
      this.state[i] = word;
    }
    if (this.state.every((word) => word === 0)) this.state[0] = 1;
  }

  /** Fills `target` with the next target.length bytes of the stream. */
  fill(target: Buffer): void {
    if (this.finished) throw new Error('the stream ended with a fill that was not a multiple of 4');
    const whole = target.length - (target.length % 4);
    const aligned = target.byteOffset % 4 === 0;
    const words = aligned
      ? new Uint32Array(target.buffer, target.byteOffset, whole / 4)
      : new Uint32Array(whole / 4);
    this.fillWords(words);
    if (!aligned) Buffer.from(words.buffer).copy(target, 0);
    if (!LITTLE_ENDIAN_HOST) target.subarray(0, whole).swap32();
    if (whole < target.length) {
      this.finished = true;
      const last = new Uint32Array(1);
      this.fillWords(last);
      const tail = Buffer.alloc(4);
      tail.writeUInt32LE(last[0] ?? 0);
      tail.copy(target, whole, 0, target.length - whole);
    }
  }

  private fillWords(words: Uint32Array): void {
    const s = this.state;
    let x = s[0] ?? 0;
    let y = s[1] ?? 0;
    let z = s[2] ?? 0;
    let w = s[3] ?? 0;
    for (let i = 0; i < words.length; i += 1) {
      const t = x ^ (x << 11);
      x = y;
      y = z;
      z = w;
      w = (w ^ (w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
      words[i] = w;
    }
    s[0] = x;
    s[1] = y;
    s[2] = z;
    s[3] = w;
  }
}
