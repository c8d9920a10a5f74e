import type { Socket } from 'node:net';
import { encodeMessage, type Dialect } from '@cdn-lab/protocol';

/** Which limit a refused connection is over: the server's, or its source address's share. */
export type ConnectionLimitScope = 'server' | 'source';

/**
 * Refuses a connection beyond the limit in its own dialect: an error frame, a 503, or (legacy,
 * unknown) just a close. The socket is ended afterwards.
 */
export function refuseConnection(
  socket: Socket,
  dialect: Dialect | null,
  limit: number,
  scope: ConnectionLimitScope = 'server',
): void {
  const message =
    scope === 'source'
      ? `too many connections from your address (limit ${limit} per address); try again shortly`
      : `too many connections (limit ${limit}); try again shortly`;
  if (dialect === 'native') {
    socket.end(
      encodeMessage({ type: 'error', code: 'too_many_connections', message, retryAfterMs: 1000 }),
    );
  } else if (dialect === 'http') {
    const body = `${message}\n`;
    socket.end(
      `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n` +
        `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  } else {
    socket.end();
  }
  setTimeout(() => socket.destroy(), 1000).unref();
}
