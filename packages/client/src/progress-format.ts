import { formatBytes } from '@cdn-lab/common';

export interface ProgressDecision {
  /** process.stderr.isTTY: undefined when stderr is a pipe or a file. */
  stderrIsTTY: boolean | undefined;
  /** --quiet / CDN_CLIENT_QUIET. */
  quiet: boolean;
  /** $TERM; a "dumb" terminal cannot redraw a line. */
  term: string | undefined;
}

/** A bar is drawn only for a person watching a real terminal that asked for no silence. */
export function shouldShowProgress({ stderrIsTTY, quiet, term }: ProgressDecision): boolean {
  return stderrIsTTY === true && !quiet && term !== 'dumb';
}

/** "—" while unknown, else "8 s", "2 min 05 s", "1 h 03 min". */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '—';
  return formatWholeSeconds(Math.ceil(seconds));
}

function formatWholeSeconds(whole: number): string {
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/**
 * The rate over the last `windowMs`, from running totals. Measured up to "now", so the rate
 * falls while nothing arrives instead of freezing at its last value.
 */
export class RateMeter {
  private readonly samples: { at: number; total: number }[] = [];

  constructor(private readonly windowMs = 3000) {}

  record(total: number, at: number): void {
    // Samples closer than a tenth of a second are merged: a fast download reports every chunk.
    const last = this.samples.at(-1);
    if (last && this.samples.length > 1 && at - last.at < 100) last.total = total;
    else this.samples.push({ at, total });
    // Keep one sample at or before the window's start as the baseline.
    while (this.samples.length > 2 && (this.samples[1]?.at ?? at) <= at - this.windowMs) {
      this.samples.shift();
    }
  }

  perSecond(now: number): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last) return 0;
    const elapsed = now - first.at;
    return elapsed > 0 ? ((last.total - first.total) * 1000) / elapsed : 0;
  }
}

export interface DownloadLine {
  received: number;
  /** null until a replica announced the size. */
  size: number | null;
  bytesPerSecond: number;
}

/** "45% · 4.50 MiB of 10.0 MiB · 12.3 MiB/s · ETA 1 s" */
export function formatDownloadLine({ received, size, bytesPerSecond }: DownloadLine): string {
  const rate = `${formatBytes(Math.round(bytesPerSecond))}/s`;
  if (size === null) return `${formatBytes(received)} · ${rate} · waiting for the size`;
  const percent = size > 0 ? Math.floor((received / size) * 100) : 100;
  const eta = bytesPerSecond > 0 ? (size - received) / bytesPerSecond : null;
  return (
    `${String(percent).padStart(3)}% · ${formatBytes(received)} of ${formatBytes(size)} · ` +
    `${rate} · ETA ${formatEta(received >= size ? 0 : eta)}`
  );
}

export interface LoadLine {
  done: number;
  failed: number;
  /** Completed requests per second, recently. */
  requestsPerSecond: number;
  elapsedMs: number;
  /** Set in --requests mode (and for a plain paths run). */
  requests?: number;
  /** Set in --duration mode. */
  durationMs?: number;
}

/**
 * "120/500 requests · 85.2 req/s · 2 errors · ETA 5 s" with a request count, or
 * "12 s of 30 s · 1034 done · 85.2 req/s · 0 errors" with a duration.
 */
export function formatLoadLine(line: LoadLine): string {
  const rate = `${line.requestsPerSecond.toFixed(1)} req/s`;
  const errors = line.failed === 1 ? '1 error' : `${line.failed} errors`;
  if (line.requests !== undefined) {
    const left = line.requests - line.done;
    const eta = line.requestsPerSecond > 0 ? left / line.requestsPerSecond : null;
    return `${line.done}/${line.requests} requests · ${rate} · ${errors} · ETA ${formatEta(left <= 0 ? 0 : eta)}`;
  }
  const duration = line.durationMs ?? 0;
  const elapsed = Math.min(line.elapsedMs, duration);
  const of = `${formatWholeSeconds(Math.floor(elapsed / 1000))} of ${formatEta(duration / 1000)}`;
  return `${of} · ${line.done} done · ${rate} · ${errors}`;
}
