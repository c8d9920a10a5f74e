import { once } from 'node:events';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  socket: Socket;
}

/** One request with Node's own HTTP client; resolves with the whole body. */
export function httpGet(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; agent?: Agent } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: options.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            socket: res.socket,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Writes raw bytes, then collects everything the server sends until it closes. */
export async function rawHttp(
  port: number,
  text: string,
): Promise<{ text: string; closed: boolean }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  socket.write(text);
  await once(socket, 'close');
  return { text: Buffer.concat(chunks).toString('latin1'), closed: true };
}

export interface RawAnswer {
  /** Status line and headers, as sent (latin1), without the blank line. */
  head: string;
  body: Buffer;
  /** Every byte of the answer, head included. */
  bytes: Buffer;
}

/**
 * A keep-alive connection driven by hand: raw requests out (pipelined if you like), answers
 * read back one by one by their Content-Length.
 */
export class RawHttpConnection {
  private buffered = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  private ended = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.wake?.();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.ended = true;
        this.wake?.();
        resolve();
      }),
    );
  }

  static async open(port: number): Promise<RawHttpConnection> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new RawHttpConnection(socket);
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** The next answer; `withBody` false for one that has none whatever it says (HEAD, 304). */
  async next(withBody = true): Promise<RawAnswer> {
    for (;;) {
      const headEnd = this.buffered.indexOf('\r\n\r\n');
      if (headEnd >= 0) {
        const head = this.buffered.subarray(0, headEnd).toString('latin1');
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        const bodyLength = withBody && length ? Number(length[1]) : 0;
        const total = headEnd + 4 + bodyLength;
        if (this.buffered.length >= total) {
          const bytes = Buffer.from(this.buffered.subarray(0, total));
          this.buffered = this.buffered.subarray(total);
          return { head, body: bytes.subarray(headEnd + 4), bytes };
        }
      }
      if (this.ended) throw new Error('the connection closed before a whole answer arrived');
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
