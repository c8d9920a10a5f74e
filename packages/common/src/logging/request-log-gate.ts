import type { Logger } from 'pino';
import { UserError } from '../config/user-error.js';

/**
 * Which requests get their lines in the log: every one, none, or at most so many a second
 * (the rest are counted and reported in one line a second, so a reader sees the load without
 * the log costing more than the answers).
 */
export type RequestLogPolicy = 'all' | 'off' | { perSecond: number };

const WINDOW_MS = 1000;

/** Reads `all`, `off` or a whole number of requests a second (0 is `off`). */
export function parseRequestLogPolicy(text: string): RequestLogPolicy {
  const word = text.trim().toLowerCase();
  if (word === 'all' || word === 'off') return word;
  const perSecond = Number(word);
  if (word === '' || !Number.isInteger(perSecond) || perSecond < 0) {
    throw new Error(`"${text}" is not all, off or a whole number of requests per second`);
  }
  return perSecond === 0 ? 'off' : { perSecond };
}

/** A setting as given (text or policy), checked; a UserError names the setting. */
export function requestLogPolicyOf(value: RequestLogPolicy | string): RequestLogPolicy {
  if (typeof value !== 'string') return value;
  try {
    return parseRequestLogPolicy(value);
  } catch (error) {
    throw new UserError(`the request log setting: ${(error as Error).message}`);
  }
}

export function formatRequestLogPolicy(policy: RequestLogPolicy): string {
  return typeof policy === 'string' ? policy : `${policy.perSecond} per second`;
}

/**
 * Decides, once per request, whether its lines are written. State changes, warnings and
 * errors never ask: they are always logged.
 */
export class RequestLogGate {
  private windowEndsAt = 0;
  private admitted = 0;
  private skipped = 0;
  private reportTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: Logger,
    private readonly policy: RequestLogPolicy,
  ) {}

  /** True when this request's lines are to be written. */
  admits(now: number): boolean {
    const { policy } = this;
    if (policy === 'all') return true;
    if (policy === 'off') return false;
    if (now >= this.windowEndsAt) this.openWindow(now);
    if (this.admitted < policy.perSecond) {
      this.admitted += 1;
      return true;
    }
    this.skipped += 1;
    // One timer a window at most, and only once lines are being skipped.
    this.reportTimer ??= setTimeout(() => this.reportSkipped(), this.windowEndsAt - now).unref();
    return false;
  }

  /** Writes the count of the lines left out so far (at a window's end, and before exit). */
  flush(): void {
    this.reportSkipped();
  }

  private openWindow(now: number): void {
    this.reportSkipped();
    this.windowEndsAt = now + WINDOW_MS;
    this.admitted = 0;
  }

  private reportSkipped(): void {
    if (this.reportTimer) clearTimeout(this.reportTimer);
    this.reportTimer = null;
    if (this.skipped === 0) return;
    this.log.info(
      {
        event: 'requests-not-logged',
        requests: this.skipped,
        policy: formatRequestLogPolicy(this.policy),
      },
      'more requests than --log-requests lets through; counted, not logged one by one',
    );
    this.skipped = 0;
  }
}
