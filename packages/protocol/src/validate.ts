import { ProtocolError } from './errors.js';

/** Small readers for JSON control payloads: each throws a ProtocolError naming the bad field. */
export type Json = Record<string, unknown>;

function bad(field: string, expected: string): ProtocolError {
  return new ProtocolError('bad_message', `field "${field}" must be ${expected}`);
}

export function asObject(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError('bad_message', `${what} must be a JSON object`);
  }
  return value as Json;
}

export function readString(obj: Json, field: string, maxLength: number): string {
  const value = obj[field];
  if (typeof value !== 'string' || value.length > maxLength) {
    throw bad(field, `a string of at most ${maxLength} characters`);
  }
  return value;
}

export function readNullableString(obj: Json, field: string, maxLength: number): string | null {
  return obj[field] === null || obj[field] === undefined ? null : readString(obj, field, maxLength);
}

export function readCount(obj: Json, field: string): number {
  const value = obj[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw bad(field, 'a non-negative integer');
  }
  return value;
}

export function readNumber(obj: Json, field: string): number {
  const value = obj[field];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw bad(field, 'a non-negative number');
  }
  return value;
}

export function readBoolean(obj: Json, field: string): boolean {
  const value = obj[field];
  if (typeof value !== 'boolean') throw bad(field, 'true or false');
  return value;
}

export function readOneOf<T extends string>(obj: Json, field: string, allowed: readonly T[]): T {
  const value = obj[field];
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw bad(field, `one of ${allowed.join(', ')}`);
  }
  return value as T;
}

export function readArray(obj: Json, field: string, maxItems: number): unknown[] {
  const value = obj[field];
  if (!Array.isArray(value) || value.length > maxItems) {
    throw bad(field, `an array of at most ${maxItems} items`);
  }
  return value;
}
