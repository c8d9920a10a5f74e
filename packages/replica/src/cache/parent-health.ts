/** How many failed fetches in a row mark a parent failed. */
export const PARENT_FAILURES_IN_ROW = 2;
/** Or: at least this share of the recent fetches failed … */
export const PARENT_FAILURE_RATIO = 0.5;
/** … counted over the last this many … */
export const PARENT_RECENT_FETCHES = 20;
/** … with at least this many failures among them (a single failure is no ratio). */
export const PARENT_FAILURE_MIN = 4;
/** The first wait before a failed parent is tried again; it doubles up to the cap. */
export const PARENT_RETRY_FIRST_MS = 250;
export const PARENT_RETRY_MAX_MS = 4_000;

export type ParentState = 'up' | 'failed';

/** One fetch a parent admitted: its verdict is judged against the state it started in. */
export interface ParentFetch {
  /** The state's generation when it started (each turn up or failed starts a new one). */
  readonly generation: number;
  /** The one fetch that tries a failed parent again. */
  readonly trial: boolean;
}

/**
 * One parent's passive health, as its child sees it from its own fetches (no probes): failed
 * after failures in a row or a failure ratio over recent fetches, then left alone until a
 * retry time (growing with each failed trial), when one fetch tries it again. Only fetches
 * that started in the current state judge it: those in flight when it turned (a parent killed
 * under load) are counted, but neither end a trial nor lengthen the wait.
 */
export class ParentHealth {
  state: ParentState = 'up';
  fetches = 0;
  failures = 0;
  lastError: string | null = null;
  private inRow = 0;
  private readonly recent: boolean[] = [];
  private retryAt = 0;
  private retryDelayMs = PARENT_RETRY_FIRST_MS;
  private trial: ParentFetch | null = null;
  private generation = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * A fetch that may ask this parent now, or null. A failed parent past its retry time admits
   * one fetch (the trial); the others skip it until that one has its verdict.
   */
  admit(): ParentFetch | null {
    if (this.state === 'up') return { generation: this.generation, trial: false };
    if (this.trial !== null || this.now() < this.retryAt) return null;
    this.trial = { generation: this.generation, trial: true };
    return this.trial;
  }

  /** How long until a failed parent is tried again (0 when up or due). */
  retryInMs(): number {
    return this.state === 'up' ? 0 : Math.max(0, this.retryAt - this.now());
  }

  /** Returns true when this success (the trial's) brought a failed parent back up. */
  succeeded(fetch: ParentFetch): boolean {
    this.fetches += 1;
    if (fetch.generation !== this.generation) return false;
    if (this.state === 'up') {
      this.remember(true);
      this.inRow = 0;
      return false;
    }
    this.turn('up');
    this.recent.length = 0;
    this.inRow = 0;
    this.retryDelayMs = PARENT_RETRY_FIRST_MS;
    return true;
  }

  /** Returns true when this failure turned the parent `failed`. */
  failed(fetch: ParentFetch, reason: string): boolean {
    this.fetches += 1;
    this.failures += 1;
    this.lastError = reason;
    if (fetch.generation !== this.generation) return false;
    if (this.state === 'failed') {
      // The trial failed: wait longer next time.
      this.trial = null;
      this.retryDelayMs = Math.min(this.retryDelayMs * 2, PARENT_RETRY_MAX_MS);
      this.retryAt = this.now() + this.retryDelayMs;
      return false;
    }
    this.remember(false);
    this.inRow += 1;
    if (!this.shouldFail()) return false;
    this.turn('failed');
    this.retryAt = this.now() + this.retryDelayMs;
    return true;
  }

  private turn(state: ParentState): void {
    this.state = state;
    this.generation += 1;
    this.trial = null;
  }

  private shouldFail(): boolean {
    if (this.inRow >= PARENT_FAILURES_IN_ROW) return true;
    const failed = this.recent.filter((ok) => !ok).length;
    return failed >= PARENT_FAILURE_MIN && failed / this.recent.length >= PARENT_FAILURE_RATIO;
  }

  private remember(ok: boolean): void {
    this.recent.push(ok);
    if (this.recent.length > PARENT_RECENT_FETCHES) this.recent.shift();
  }
}
