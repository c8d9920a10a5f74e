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

/**
 * One parent's passive health, as its child sees it from its own fetches (no probes): failed
 * after failures in a row or a failure ratio over recent fetches, then left alone until a
 * retry time (growing with each failed trial), when one fetch tries it again.
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
  private trialInFlight = false;

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Whether a fetch may ask this parent now. A failed parent past its retry time admits one
   * fetch (the trial); the others skip it until that one has answered.
   */
  admits(): boolean {
    if (this.state === 'up') return true;
    if (this.trialInFlight || this.now() < this.retryAt) return false;
    this.trialInFlight = true;
    return true;
  }

  /** How long until a failed parent is tried again (0 when up or due). */
  retryInMs(): number {
    return this.state === 'up' ? 0 : Math.max(0, this.retryAt - this.now());
  }

  /** Returns true when this success brought a failed parent back up. */
  succeeded(): boolean {
    this.record(true);
    this.inRow = 0;
    this.trialInFlight = false;
    if (this.state === 'up') return false;
    this.state = 'up';
    this.recent.length = 0;
    this.retryDelayMs = PARENT_RETRY_FIRST_MS;
    return true;
  }

  /** Returns true when this failure turned the parent `failed`. */
  failed(reason: string): boolean {
    this.record(false);
    this.failures += 1;
    this.inRow += 1;
    this.lastError = reason;
    if (this.state === 'failed') {
      // A failed trial: wait longer next time.
      this.trialInFlight = false;
      this.retryDelayMs = Math.min(this.retryDelayMs * 2, PARENT_RETRY_MAX_MS);
      this.retryAt = this.now() + this.retryDelayMs;
      return false;
    }
    if (!this.shouldFail()) return false;
    this.state = 'failed';
    this.retryAt = this.now() + this.retryDelayMs;
    return true;
  }

  private shouldFail(): boolean {
    if (this.inRow >= PARENT_FAILURES_IN_ROW) return true;
    const failed = this.recent.filter((ok) => !ok).length;
    return failed >= PARENT_FAILURE_MIN && failed / this.recent.length >= PARENT_FAILURE_RATIO;
  }

  private record(ok: boolean): void {
    this.fetches += 1;
    this.recent.push(ok);
    if (this.recent.length > PARENT_RECENT_FETCHES) this.recent.shift();
  }
}
