import type { ErrorCode } from '@cdn-lab/protocol';

/** A failure of one request: answered with an error frame, the connection stays usable. */
export class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}
