import type { Server } from 'node:net';
import { UserError } from '../config/user-error.js';

const HINTS: Record<string, (where: string) => string> = {
  EADDRINUSE: (where) => `${where} is already in use; stop what holds it or choose another port`,
  EADDRNOTAVAIL: (where) => `${where} is not an address of this machine; choose another --host`,
  EACCES: (where) => `${where} needs privileges; use a port above 1023`,
  ENOTFOUND: (where) => `${where}: the host name does not resolve`,
};

/** server.listen as a promise, with the usual failures turned into one clear line. */
export function listen(server: Server, host: string, port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const hint = HINTS[error.code ?? ''];
      const where = `${what} address ${host}:${port}`;
      reject(hint ? new UserError(hint(where)) : error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
