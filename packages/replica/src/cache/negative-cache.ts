import { RequestError } from '../request/request-error.js';

/** An answer of the origin that is not an object (404, 5xx), and until when it is repeated. */
interface NegativeEntry {
  code: RequestError['code'];
  message: string;
  until: number;
}

/** Negative entries kept at most; the oldest goes first, so a scan of missing paths stays small. */
export const MAX_NEGATIVE_ENTRIES = 10_000;

/**
 * Refusals remembered for a short while, so a burst of requests for a missing object (or one
 * the origin fails on) asks the origin once instead of once per request.
 */
export class NegativeCache {
  private readonly entries = new Map<string, NegativeEntry>();

  constructor(private readonly maxEntries = MAX_NEGATIVE_ENTRIES) {}

  get count(): number {
    return this.entries.size;
  }

  /** The remembered refusal for `key` as a fresh error, or undefined when none is in force. */
  get(key: string, now = Date.now()): RequestError | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (now >= entry.until) {
      this.entries.delete(key);
      return undefined;
    }
    return new RequestError(entry.code, entry.message);
  }

  remember(key: string, error: RequestError, ttlMs: number, now = Date.now()): void {
    if (ttlMs <= 0) return;
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    this.entries.set(key, { code: error.code, message: error.message, until: now + ttlMs });
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
