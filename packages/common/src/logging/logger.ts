import { pino, type Logger } from 'pino';
import { LogFile, reopenOnSighup } from './log-file.js';

export type { Logger };

export interface EventLog {
  /** Structured JSON lines, one event a line, in the -l file (silent when there is none). */
  log: Logger;
  /** Writes out what is buffered; call before exit. */
  close(): void;
}

/** The levels --log-level offers, lowest first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export const DEFAULT_LOG_LEVEL = 'info';

/**
 * Opens the role's JSON-lines log. Each line has time, level, role and an `event` name. A
 * SIGHUP opens the file again under its name (log rotation: rename it, then send SIGHUP).
 */
export function openEventLog(role: string, file: string | undefined, level = 'info'): EventLog {
  if (!file) {
    return { log: pino({ level: 'silent' }), close: () => undefined };
  }
  const destination = new LogFile(file);
  const log = pino({ level, base: { role, pid: process.pid } }, destination);
  const close = (): void => destination.flushSync();
  reopenOnSighup(destination, (error) => {
    if (error) {
      const reason = error instanceof Error ? error.message : String(error);
      log.error({ event: 'log-reopen-failed', file, reason }, 'kept writing to the open log file');
    } else {
      log.info({ event: 'log-reopened', file }, 'log file opened again (SIGHUP)');
    }
  });
  // Whatever way the process exits (a second Ctrl-C, a failed stop), the last lines are written.
  process.once('exit', close);
  return { log, close };
}

/** A short human line on stderr for the person at the terminal (start, stop, problems). */
export function say(role: string, message: string): void {
  process.stderr.write(`[${role}] ${message}\n`);
}
