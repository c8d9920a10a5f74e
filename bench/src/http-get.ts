import { connectReusing } from './native.js';

const TIMEOUT_MS = 30_000;

/**
 * GETs one object over HTTP/1.1 on a fresh connection and returns the body size; bytes are only
 * counted, read the same way as the native benchmark client reads them.
 */
export function httpGet(host: string, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let head = '';
    let bodyLength = -1;
    let received = 0;
    const socket = connectReusing(host, port, (chunk: Buffer) => {
      if (bodyLength < 0) {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        const match = /\r\ncontent-length:\s*(\d+)/i.exec(head.slice(0, end));
        if (!head.startsWith('HTTP/1.1 200') || !match) {
          socket.destroy();
          reject(new Error(`unexpected answer: ${head.slice(0, head.indexOf('\r\n'))}`));
          return;
        }
        bodyLength = Number(match[1]);
        received = Buffer.byteLength(head.slice(end + 4), 'latin1');
      } else {
        received += chunk.length;
      }
      if (received >= bodyLength) {
        socket.destroy();
        resolve(bodyLength);
      }
    });
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error('http get timed out')));
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('connection closed early')));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  });
}
