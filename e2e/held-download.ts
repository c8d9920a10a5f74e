import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { FrameDecoder, encodeMessage, encodePreamble } from '@cdn-lab/protocol';

export interface HeldResult {
  size: number;
  /** sha256 of the bytes received. */
  sha256: string;
  /** What the replica's `end` frame claimed. */
  endSha256: string;
}

/**
 * A native download straight from one replica that stops reading after the first data frame
 * (TCP back-pressure then holds the replica's transfer open) until `resume()`, so a test can do
 * something to the replica while the transfer is certainly in flight.
 */
export class HeldDownload {
  readonly started: Promise<void>;
  readonly done: Promise<HeldResult>;
  private readonly socket: Socket;

  constructor(host: string, port: number, path: string) {
    this.socket = connect({ host, port });
    const socket = this.socket;
    const decoder = new FrameDecoder({ expectPreamble: false });
    const hash = createHash('sha256');
    let received = 0;
    let onStarted: () => void = () => undefined;
    let onFailed: (error: Error) => void = () => undefined;
    this.started = new Promise((resolve) => {
      onStarted = resolve;
    });
    this.done = new Promise<HeldResult>((resolve, reject) => {
      onFailed = (error) => {
        socket.destroy();
        reject(error);
      };
      socket.once('connect', () => {
        socket.write(
          Buffer.concat([encodePreamble(), encodeMessage({ type: 'get', path, offset: 0 })]),
        );
      });
      socket.on('data', (chunk: Buffer) => {
        const { messages, error } = decoder.push(chunk);
        for (const message of messages) {
          if (message.type === 'data') {
            if (received === 0) {
              socket.pause();
              onStarted();
            }
            received += message.bytes.length;
            hash.update(message.bytes);
          } else if (message.type === 'end') {
            socket.end();
            resolve({ size: received, sha256: hash.digest('hex'), endSha256: message.sha256 });
          } else if (message.type === 'error') {
            onFailed(new Error(`replica answered ${message.code}: ${message.message}`));
          }
        }
        if (error) onFailed(error);
      });
      socket.once('error', onFailed);
      socket.once('close', () => onFailed(new Error(`connection closed after ${received} bytes`)));
    });
    // A failure before the first data frame must also end the wait on `started`.
    this.started = Promise.race([this.started, this.done.then(() => undefined)]);
  }

  resume(): void {
    this.socket.resume();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
