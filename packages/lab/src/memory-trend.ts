/** One measurement of a process's memory, `atMs` after sampling began. */
export interface MemorySample {
  atMs: number;
  bytes: number;
}

/** How much a process may grow over a run before it counts as a leak; both must be exceeded. */
export interface GrowthLimits {
  /** A fraction of the starting level (0.1: ten percent). */
  relative: number;
  /** Bytes, whatever the starting level: a small heap's noise is not a leak. */
  absoluteBytes: number;
}

export type TrendVerdict = 'steady' | 'grew' | 'too-few-samples';

export interface MemoryTrend {
  verdict: TrendVerdict;
  samples: number;
  /** The trend line's level at the first sample. */
  startBytes: number;
  slopeBytesPerSecond: number;
  /** How much the trend line rises from the first sample to the last. */
  growthBytes: number;
  /** The growth allowed: the larger of the two limits. */
  limitBytes: number;
}

/** Fewer samples than this say nothing about a trend. */
export const MIN_TREND_SAMPLES = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? 0) + upper) / 2;
}

/**
 * The Theil–Sen slope: the median of the slopes between every pair of samples. Unlike a
 * least-squares fit, one sample taken in the middle of a burst (or just after one) cannot tilt it;
 * a steady rise moves every pair, so it shows.
 */
function robustSlope(samples: MemorySample[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < samples.length; i += 1) {
    for (let j = i + 1; j < samples.length; j += 1) {
      const a = samples[i];
      const b = samples[j];
      if (a && b && b.atMs !== a.atMs) slopes.push((b.bytes - a.bytes) / (b.atMs - a.atMs));
    }
  }
  return slopes.length === 0 ? 0 : median(slopes);
}

/**
 * Judges a series of memory samples by its trend, not by its ends: growth is the robust trend
 * line's rise over the sampled span, and it is a leak only past both limits.
 */
export function judgeMemoryTrend(samples: MemorySample[], limits: GrowthLimits): MemoryTrend {
  const ordered = [...samples].sort((a, b) => a.atMs - b.atMs);
  const first = ordered[0]?.atMs ?? 0;
  const spanMs = (ordered.at(-1)?.atMs ?? 0) - first;
  const slopePerMs = robustSlope(ordered);
  const startBytes =
    ordered.length === 0
      ? 0
      : median(ordered.map((sample) => sample.bytes - slopePerMs * (sample.atMs - first)));
  const growthBytes = slopePerMs * spanMs;
  const limitBytes = Math.max(limits.absoluteBytes, limits.relative * startBytes);
  const verdict: TrendVerdict =
    ordered.length < MIN_TREND_SAMPLES
      ? 'too-few-samples'
      : growthBytes > limitBytes
        ? 'grew'
        : 'steady';
  return {
    verdict,
    samples: ordered.length,
    startBytes,
    slopeBytesPerSecond: slopePerMs * 1000,
    growthBytes,
    limitBytes,
  };
}
