/** Codes carried in error frames and in ProtocolError. Stable: clients switch on them. */
export const ERROR_CODES = [
  'bad_magic',
  'unsupported_version',
  'unknown_type',
  'frame_too_large',
  'bad_message',
  'unexpected_message',
  'bad_request',
  'not_found',
  'origin_unavailable',
  'origin_error',
  'no_replica',
  'draining',
  'too_many_connections',
  'timeout',
  'too_large',
  'loop_detected',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** A violation of the wire format, found while decoding. The connection is not usable after it. */
export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}
