import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';

const current = new AsyncLocalStorage<AnswerWatch>();

// Node announces every HTTP request it creates; the one made inside watch.run() is ours. The
// socket may be a kept-alive one, so what it read before this request does not count.
subscribe('http.client.request.start', (message) => {
  const watch = current.getStore();
  const { request } = message as { request: ClientRequest };
  if (!watch) return;
  // Node publishes this as the request is finished, when it may already have its socket.
  if (request.socket) watch.track(request.socket);
  else request.once('socket', (socket: Socket) => watch.track(socket));
});

/**
 * Tells whether the origin had begun its answer when a request failed: a reset or timeout
 * before any byte means the origin could not be reached (worth another try); a head dripped
 * byte by byte, or cut halfway, is an answer that went wrong, and asking again would only make
 * every waiting client wait as long again.
 */
export class AnswerWatch {
  private socket: Socket | null = null;
  private readBefore = 0;

  run<T>(request: () => Promise<T>): Promise<T> {
    return current.run(this, request);
  }

  /** @internal the socket the watched request was given */
  track(socket: Socket): void {
    this.socket = socket;
    this.readBefore = socket.bytesRead;
  }

  get answerStarted(): boolean {
    return this.socket !== null && this.socket.bytesRead > this.readBefore;
  }
}
