import { pino, type Logger } from 'pino';

export type { Logger };

export interface EventLog {
  /** Structured JSON lines, one event a line, in the -l file (silent when there is none). */
  log: Logger;
  /** Writes out what is buffered; call before exit. */
  close(): void;
}

/** Opens the role's JSON-lines log. Each line has time, level, role and an `event` name. */
export function openEventLog(role: string, file: string | undefined, level = 'info'): EventLog {
  if (!file) {
    return { log: pino({ level: 'silent' }), close: () => undefined };
  }
  const destination = pino.destination({ dest: file, mkdir: true, sync: false });
  const log = pino({ level, base: { role, pid: process.pid } }, destination);
  return {
    log,
    close: () => {
      try {
        destination.flushSync();
      } catch {
        // Nothing was buffered, or the file is already closed.
      }
    },
  };
}

/** A short human line on stderr for the person at the terminal (start, stop, problems). */
export function say(role: string, message: string): void {
  process.stderr.write(`[${role}] ${message}\n`);
}
