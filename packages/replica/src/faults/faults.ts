import { UserError } from '@cdn-lab/common';

/** Faults injected into this replica on purpose (a lab for breaking things); 0 / absent: off. */
export interface Faults {
  /** Added before answering each request (not probes). */
  delayMs?: number;
  /** Plus a uniform random 0..jitterMs. */
  jitterMs?: number;
  /** Caps each transfer's send rate (KiB/s = 1024 bytes per second). */
  bandwidthKBps?: number;
  /** Fraction of requests answered with an error. */
  errorRate?: number;
  /** Fraction of transfers cut (socket destroyed) partway through. */
  resetRate?: number;
  /** Fraction of probes (pings) left unanswered. */
  probeLoss?: number;
}

export type FaultName = keyof Faults;

const RATES: readonly FaultName[] = ['errorRate', 'resetRate', 'probeLoss'];
export const FAULT_NAMES: readonly FaultName[] = ['delayMs', 'jitterMs', 'bandwidthKBps', ...RATES];

function isFaultName(name: string): name is FaultName {
  return (FAULT_NAMES as readonly string[]).includes(name);
}

/**
 * Checks a partial Faults object from JSON or flags; a UserError names the first bad field.
 * null or 0 turns a fault off.
 */
export function parseFaults(input: Record<string, unknown>): Faults {
  const faults: Faults = {};
  for (const [name, value] of Object.entries(input)) {
    if (!isFaultName(name)) {
      throw new UserError(`unknown fault "${name}"; faults are ${FAULT_NAMES.join(', ')}`);
    }
    if (value === undefined) continue;
    const number = value === null ? 0 : value;
    const isRate = RATES.includes(name);
    if (typeof number !== 'number' || !Number.isFinite(number) || number < 0) {
      throw new UserError(`${name} must be a number of 0 or more`);
    }
    if (isRate && number > 1) throw new UserError(`${name} must be between 0 and 1`);
    faults[name] = number;
  }
  return faults;
}

/** The faults that are on, without the ones set to 0. */
export function activeFaults(faults: Faults): Faults {
  return Object.fromEntries(
    Object.entries(faults).filter(([, value]) => typeof value === 'number' && value > 0),
  ) as Faults;
}

export function activeFaultNames(faults: Faults): string[] {
  return FAULT_NAMES.filter((name) => (faults[name] ?? 0) > 0);
}
