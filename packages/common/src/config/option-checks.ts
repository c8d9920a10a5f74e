import { UserError } from './user-error.js';

/** Checks for a role's resolved settings: each returns the value or throws a UserError naming it. */
export function positive(value: number, what: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new UserError(`${what} must be above 0`);
  return value;
}

export function notNegative(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0) throw new UserError(`${what} must be 0 or more`);
  return value;
}

export function ratio(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new UserError(`${what} must be from 0 to 1`);
  }
  return value;
}

export function wholeNumber(value: number, what: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UserError(`${what} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

export function atLeastOne(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new UserError(`${what} must be a whole number of at least 1`);
  }
  return value;
}

/** The fields that were given (undefined ones dropped), to spread over a defaults table. */
export function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, field]) => field !== undefined),
  ) as Partial<T>;
}
