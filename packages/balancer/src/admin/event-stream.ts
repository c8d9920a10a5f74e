import type { IncomingMessage, ServerResponse } from 'node:http';

/** A comment line this often keeps proxies and browsers from closing an idle stream. */
const KEEP_ALIVE_MS = 15_000;

/** Server-Sent Events: every connected client gets every event broadcast after it joined. */
export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private readonly keepAlive: NodeJS.Timeout;

  constructor() {
    this.keepAlive = setInterval(() => this.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    this.keepAlive.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Takes over the response; `hello` is sent to this client only. */
  join(req: IncomingMessage, res: ServerResponse, hello: unknown): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(`retry: 1000\n${frame('hello', hello)}`);
    this.clients.add(res);
    req.socket.setNoDelay(true);
    res.once('close', () => this.clients.delete(res));
  }

  send(event: string, data: unknown): void {
    if (this.clients.size > 0) this.write(frame(event, data));
  }

  close(): void {
    clearInterval(this.keepAlive);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private write(text: string): void {
    for (const res of this.clients) res.write(text);
  }
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
