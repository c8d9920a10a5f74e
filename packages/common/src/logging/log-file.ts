import { mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pino, type DestinationStream } from 'pino';
import { UserError } from '../config/user-error.js';

type Destination = ReturnType<typeof pino.destination>;

function openLogFile(file: string): number {
  try {
    mkdirSync(dirname(resolve(file)), { recursive: true });
    return openSync(file, 'a');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UserError(`cannot open the log file ${file} (${reason}); choose another -l path`);
  }
}

// Opened here, synchronously, so lines logged just before an early exit are not lost while an
// asynchronous open is pending; the writes themselves stay asynchronous.
function destinationFor(file: string): Destination {
  return pino.destination({ fd: openLogFile(file), sync: false });
}

/**
 * A role's JSON-lines log file that can be opened again under the same name, so that log
 * rotation works: rename the file (logrotate, or by hand), send SIGHUP, and the lines go to a
 * new file of the old name while the renamed one keeps everything written before.
 */
export class LogFile implements DestinationStream {
  private current: Destination;

  constructor(private readonly file: string) {
    this.current = destinationFor(file);
  }

  write(line: string): void {
    this.current.write(line);
  }

  /** For pino's logger.flush(): calls back once what is buffered has been written. */
  flush(done?: (error?: Error) => void): void {
    this.current.flush(done);
  }

  /** Opens the path again; if that fails, keeps the file it has and throws the UserError. */
  reopen(): void {
    const next = destinationFor(this.file);
    const previous = this.current;
    this.current = next;
    try {
      previous.flushSync();
    } catch {
      // Nothing was buffered.
    }
    previous.end();
  }

  /** Writes out what is buffered; call before exit. */
  flushSync(): void {
    try {
      this.current.flushSync();
    } catch {
      // Nothing was buffered, or the file is already closed.
    }
  }
}

const reopenOnHangup = new Set<{ file: LogFile; onReopen: (error: unknown) => void }>();

/** Reopens `file` on every SIGHUP (one signal handler for all of the process's log files). */
export function reopenOnSighup(file: LogFile, onReopen: (error: unknown) => void): void {
  if (reopenOnHangup.size === 0) {
    process.on('SIGHUP', () => {
      for (const entry of reopenOnHangup) {
        try {
          entry.file.reopen();
          entry.onReopen(null);
        } catch (error) {
          entry.onReopen(error);
        }
      }
    });
  }
  reopenOnHangup.add({ file, onReopen });
}
