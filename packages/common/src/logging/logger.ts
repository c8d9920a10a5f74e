import { mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from '../config/user-error.js';
import { pino, type Logger } from 'pino';

export type { Logger };

export interface EventLog {
  /** Structured JSON lines, one event a line, in the -l file (silent when there is none). */
  log: Logger;
  /** Writes out what is buffered; call before exit. */
  close(): void;
}

function openLogFile(file: string): number {
  try {
    mkdirSync(dirname(resolve(file)), { recursive: true });
    return openSync(file, 'a');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UserError(`cannot open the log file ${file} (${reason}); choose another -l path`);
  }
}

/** Opens the role's JSON-lines log. Each line has time, level, role and an `event` name. */
export function openEventLog(role: string, file: string | undefined, level = 'info'): EventLog {
  if (!file) {
    return { log: pino({ level: 'silent' }), close: () => undefined };
  }
  // Opened here, synchronously, so lines logged just before an early exit are not lost while an
  // asynchronous open is pending; the writes themselves stay asynchronous.
  const destination = pino.destination({ fd: openLogFile(file), sync: false });
  const log = pino({ level, base: { role, pid: process.pid } }, destination);
  const close = (): void => {
    try {
      destination.flushSync();
    } catch {
      // Nothing was buffered, or the file is already closed.
    }
  };
  // Whatever way the process exits (a second Ctrl-C, a failed stop), the last lines are written.
  process.once('exit', close);
  return { log, close };
}

/** A short human line on stderr for the person at the terminal (start, stop, problems). */
export function say(role: string, message: string): void {
  process.stderr.write(`[${role}] ${message}\n`);
}
