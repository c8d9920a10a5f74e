import { parseBytes, parseDuration } from '@cdn-lab/common';

/** `60000` → `60s`, `1500` → `1.5s`, `250` → `250ms`, `7200000` → `2h`: as a file writes it. */
export function formatMs(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`;
}

/** A duration as a scenario writes it (a bare number is seconds) → ms, or the problem. */
export function durationMs(value: number | string): number | string {
  try {
    return parseDuration(String(value), 's');
  } catch (error) {
    return (error as Error).message;
  }
}

/** A size (`64MiB`, `16KiB`, a bare number of bytes) → bytes, or the problem. */
export function sizeBytes(value: number | string): number | string {
  try {
    return parseBytes(String(value));
  } catch (error) {
    return (error as Error).message;
  }
}
