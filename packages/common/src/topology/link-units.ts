import { parseDuration } from '../config/units.js';

const BIT_UNITS: Record<string, number> = { kbit: 1e3, mbit: 1e6, gbit: 1e9 };

/** "100Mbit", "1Gbit/s", "unlimited" → bytes per second (null: unlimited), or a message. */
export function parseBandwidth(text: string): number | null | string {
  if (/^\s*unlimited\s*$/i.test(text)) return null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmg]bit)(?:\/s|ps)?\s*$/i.exec(text);
  const unit = BIT_UNITS[match?.[2]?.toLowerCase() ?? 'x'];
  if (!match || unit === undefined || Number(match[1]) <= 0) {
    return `"${text}" is not a bandwidth; write it like 100Mbit, 1Gbit or unlimited`;
  }
  return (Number(match[1]) * unit) / 8;
}

/** A delay as "40ms", "0.5ms", "1s" or a number of milliseconds → ms, or a message. */
export function parseDelay(value: string | number): number | string {
  if (typeof value === 'number') {
    return value >= 0 ? value : `${value} is negative; a delay is 0 or more milliseconds`;
  }
  const fractionalMs = /^\s*(\d+(?:\.\d+)?)\s*ms\s*$/i.exec(value);
  if (fractionalMs) return Number(fractionalMs[1]);
  try {
    return parseDuration(value);
  } catch {
    return `"${value}" is not a delay; write it like 40ms, 0.5ms or 1s`;
  }
}

/** Loss as a fraction (0.001) or a percentage ("0.1%") → a fraction in [0, 0.5], or a message. */
export function parseLoss(value: string | number): number | string {
  const percent = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value) : null;
  const fraction = percent ? Number(percent[1]) / 100 : typeof value === 'number' ? value : NaN;
  if (!Number.isFinite(fraction) || fraction < 0 || fraction > 0.5) {
    return `${JSON.stringify(value)} is not a loss rate; write a fraction from 0 to 0.5 (0.001) or a percentage ("0.1%")`;
  }
  return fraction;
}
