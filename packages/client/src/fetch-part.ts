import type { Logger } from '@cdn-lab/common';
import type {
  Endpoint,
  EndMessage,
  ErrorCode,
  ErrorMessage,
  ObjectMessage,
} from '@cdn-lab/protocol';
import { ConnectionFailure, FrameConnection, type FailureKind } from './connection.js';
import { ClientError, RETRYABLE_REPLICA_CODES } from './errors.js';
import type { RegionBinding } from './region-binding.js';
import type { TransferState } from './transfer-state.js';

/**
 * How one attempt at one replica ended. Failures another replica cannot fix (not_found, a
 * digest that does not match) are thrown as ClientErrors instead.
 */
export type PartOutcome =
  | { kind: 'complete'; end: EndMessage; servedBy: string }
  | { kind: 'restart'; reason: string }
  /**
   * `code`: the replica's error code, when it answered with an error frame; `retryAfterMs`: how
   * long it asked the client to wait (too_many_connections).
   */
  | {
      kind: 'failed';
      reason: string;
      code?: ErrorCode;
      retryAfterMs?: number;
      /** How the connection failed, when it did (refused, reset, timeout, …). */
      connection?: FailureKind;
    };

export interface PartOptions {
  path: string | null;
  timeoutMs: number;
  log: Logger;
  /** A client placed in a region connects from one of its addresses. */
  region?: RegionBinding | undefined;
}

export function describePath(path: string | null): string {
  return path ?? 'the default object';
}

/** Fetches the object from `endpoint`, from the offset `state` has reached, into `state`. */
export async function fetchPart(
  endpoint: Endpoint,
  state: TransferState,
  options: PartOptions,
): Promise<PartOutcome> {
  const offset = state.received;
  options.log.info(
    { event: 'fetch-start', replica: endpoint.id, path: options.path, offset },
    `fetching from ${endpoint.id} at offset ${offset}`,
  );
  let connection: FrameConnection;
  try {
    connection = await FrameConnection.open(
      endpoint.host,
      endpoint.port,
      options.timeoutMs,
      options.region?.nextAddress(),
    );
  } catch (error) {
    if (error instanceof ConnectionFailure) {
      return { kind: 'failed', reason: error.message, connection: error.kind };
    }
    throw error;
  }
  try {
    const sentAt = performance.now();
    connection.send({ type: 'get', path: options.path, offset });
    return await receive(connection, endpoint, state, options.path, offset, sentAt);
  } catch (error) {
    if (error instanceof ConnectionFailure) {
      return { kind: 'failed', reason: error.message, connection: error.kind };
    }
    throw error;
  } finally {
    connection.close();
  }
}

async function receive(
  connection: FrameConnection,
  endpoint: Endpoint,
  state: TransferState,
  path: string | null,
  offset: number,
  sentAt: number,
): Promise<PartOutcome> {
  const first = await connection.next();
  state.firstByteMs ??= first.type === 'object' ? performance.now() - sentAt : null;
  if (first.type === 'error') return refusal(first, endpoint, path, offset);
  if (first.type !== 'object') {
    return { kind: 'failed', reason: `answered get with a "${first.type}" frame` };
  }
  if (first.offset !== offset) {
    return { kind: 'failed', reason: `sent offset ${first.offset} when asked for ${offset}` };
  }
  const conflict = state.conflictWith(first);
  if (conflict) return { kind: 'restart', reason: conflict };
  state.begin(first);
  return streamBody(connection, state, first);
}

async function streamBody(
  connection: FrameConnection,
  state: TransferState,
  object: ObjectMessage,
): Promise<PartOutcome> {
  for (;;) {
    const message = await connection.next();
    switch (message.type) {
      case 'data':
        if (state.received + message.bytes.length > object.size) {
          return { kind: 'failed', reason: `sent more than the object's ${object.size} bytes` };
        }
        await state.append(message.bytes, object.servedBy);
        break;
      case 'end':
        if (message.size !== object.size) {
          return {
            kind: 'failed',
            reason: `end says ${message.size} bytes, object said ${object.size}`,
          };
        }
        if (state.received !== object.size) {
          return {
            kind: 'failed',
            reason: `ended at byte ${state.received} of ${object.size}`,
          };
        }
        return { kind: 'complete', end: message, servedBy: object.servedBy };
      case 'error':
        if (!RETRYABLE_REPLICA_CODES.has(message.code)) {
          throw new ClientError(
            message.code,
            `replica ${object.servedBy} failed during ${object.path}: ${message.message}`,
          );
        }
        return {
          kind: 'failed',
          reason: `${message.code}: ${message.message}`,
          code: message.code,
        };
      default:
        return { kind: 'failed', reason: `sent a "${message.type}" frame inside the object` };
    }
  }
}

/** An error frame instead of the object: fail over, restart at 0, or give up. */
function refusal(
  error: ErrorMessage,
  endpoint: Endpoint,
  path: string | null,
  offset: number,
): PartOutcome {
  if (RETRYABLE_REPLICA_CODES.has(error.code)) {
    return {
      kind: 'failed',
      reason: `${error.code}: ${error.message}`,
      code: error.code,
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    };
  }
  if (error.code === 'bad_request' && offset > 0) {
    // The replica's copy is shorter than what we have: it is another version of the object.
    return { kind: 'restart', reason: `offset ${offset} refused: ${error.message}` };
  }
  if (error.code === 'not_found') {
    return fatal('not_found', `${describePath(path)} was not found (replica ${endpoint.id})`);
  }
  return fatal(
    error.code,
    `replica ${endpoint.id} refused ${describePath(path)}: ${error.code}: ${error.message}`,
  );
}

function fatal(code: ErrorMessage['code'], message: string): never {
  throw new ClientError(code, message);
}
