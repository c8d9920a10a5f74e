import { connect } from 'node:net';
import { FrameDecoder, encodeMessage, encodePreamble, type Message } from '@cdn-lab/protocol';

/**
 * A role's `--healthcheck` mode (used by the Docker HEALTHCHECK): the command is run again with
 * the same flags and environment as the running role, asks that role on its own port whether it
 * is ready, prints one line and exits 0 (healthy) or 1 (not).
 */
export const HEALTHCHECK_TIMEOUT_MS = 3_000;

/** The address to reach a server that listens on `host` (a wildcard means this machine). */
export function selfAddress(host: string): string {
  if (host === '' || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host;
}

/** Opens a native connection, sends one message and resolves with the first message back. */
export function askNative(
  host: string,
  port: number,
  message: Message,
  timeoutMs = HEALTHCHECK_TIMEOUT_MS,
): Promise<Message> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const decoder = new FrameDecoder({ expectPreamble: false });
    const fail = (why: string): void => {
      socket.destroy();
      reject(new Error(why));
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => {
      socket.write(Buffer.concat([encodePreamble(), encodeMessage(message)]));
    });
    socket.on('data', (chunk: Buffer) => {
      const { messages, error } = decoder.push(chunk);
      const first = messages[0];
      if (first) {
        socket.destroy();
        resolve(first);
      } else if (error) {
        fail(`unreadable answer: ${error.message}`);
      }
    });
    socket.once('error', (error) => fail(error.message));
    socket.once('close', () => fail('connection closed without an answer'));
  });
}

/** Runs a check, prints its verdict as one line and exits: 0 healthy, 1 not. */
export async function exitWithHealth(role: string, check: () => Promise<string>): Promise<never> {
  try {
    const verdict = await check();
    process.stdout.write(`${role}: healthy: ${verdict}\n`);
    process.exit(0);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    process.stdout.write(`${role}: unhealthy: ${why}\n`);
    process.exit(1);
  }
}
