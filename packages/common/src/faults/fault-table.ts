import { UserError } from '../config/user-error.js';

/** Faults injected into a replica on purpose (a lab for breaking things); 0 / absent: off. */
export interface Faults {
  /** Added before answering each request (not probes). */
  delayMs?: number;
  /** Plus a uniform random 0..jitterMs. */
  jitterMs?: number;
  /** Caps each transfer's send rate (KiB/s = 1024 bytes per second). */
  bandwidthKBps?: number;
  /** Fraction of requests answered with an error. */
  errorRate?: number;
  /** Fraction of transfers cut (the connection closed) partway through. */
  resetRate?: number;
  /** Fraction of probes (pings) left unanswered. */
  probeLoss?: number;
}

export type FaultName = keyof Faults;

/** How a fault's value is written and bounded: milliseconds, KiB/s, or a fraction from 0 to 1. */
export type FaultUnit = 'duration' | 'kibps' | 'fraction';

export interface FaultSpec {
  unit: FaultUnit;
  /** The command-line word: `--fault-<flag>` on the replica, `--<flag>` for `cdn-lab fault`. */
  flag: string;
  help: string;
}

/**
 * The one table of faults: the admin API's JSON fields (its keys), their bounds, the replica's
 * --fault-* flags and CDN_FAULT_* variables, and `cdn-lab fault`'s options all come from it.
 */
export const FAULT_TABLE: Readonly<Record<FaultName, FaultSpec>> = {
  delayMs: { unit: 'duration', flag: 'delay', help: 'delay before each answer, e.g. 50ms' },
  jitterMs: { unit: 'duration', flag: 'jitter', help: 'plus a random 0..this' },
  bandwidthKBps: { unit: 'kibps', flag: 'bandwidth', help: 'cap each transfer (KiB/s)' },
  errorRate: {
    unit: 'fraction',
    flag: 'error-rate',
    help: 'fraction of requests answered with an error',
  },
  resetRate: { unit: 'fraction', flag: 'reset-rate', help: 'fraction of transfers cut partway' },
  probeLoss: { unit: 'fraction', flag: 'probe-loss', help: 'fraction of balancer probes ignored' },
};

export const FAULT_NAMES = Object.keys(FAULT_TABLE) as readonly FaultName[];

export function isFaultName(name: string): name is FaultName {
  return Object.hasOwn(FAULT_TABLE, name);
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
    if (typeof number !== 'number' || !Number.isFinite(number) || number < 0) {
      throw new UserError(`${name} must be a number of 0 or more`);
    }
    if (FAULT_TABLE[name].unit === 'fraction' && number > 1) {
      throw new UserError(`${name} must be between 0 and 1`);
    }
    faults[name] = number;
  }
  return faults;
}

/** The faults that are on, without the ones set to 0. */
export function activeFaults(faults: Faults): Faults {
  const active: Faults = {};
  for (const name of FAULT_NAMES) {
    const value = faults[name];
    if (value !== undefined && value > 0) active[name] = value;
  }
  return active;
}

export function activeFaultNames(faults: Faults): FaultName[] {
  return FAULT_NAMES.filter((name) => (faults[name] ?? 0) > 0);
}
