import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import { ClientError } from './errors.js';

/** Where downloaded bytes go: a file path, '-' for stdout, or null to only hash them. */
export type SinkTarget = string | null;

/** Receives an object's bytes in order; only `commit` makes them visible under the final name. */
export interface Sink {
  write(bytes: Buffer): Promise<void>;
  /** Forget everything written so far (the object changed; the download restarts at 0). */
  reset(): Promise<void>;
  /** The bytes are verified: put them in place. */
  commit(): Promise<void>;
  /** The download failed: leave nothing behind. Never throws. */
  abort(): Promise<void>;
}

function reason(error: unknown): string {
  const errno = error as NodeJS.ErrnoException;
  if (errno.code === 'ENOENT') return 'the folder does not exist';
  if (errno.code === 'EACCES' || errno.code === 'EPERM') return 'permission denied';
  if (errno.code === 'ENOSPC') return 'the disk is full';
  if (errno.code === 'EISDIR') return 'it is a folder';
  return error instanceof Error ? error.message : String(error);
}

/** The temporary name a download writes to, next to the final file. */
export function tempPathFor(finalPath: string): string {
  return join(dirname(finalPath), `${basename(finalPath)}.part-${process.pid}`);
}

/** Writes to `<name>.part-<pid>` with backpressure and renames it to `<name>` on commit. */
class FileSink implements Sink {
  private stream: WriteStream | null = null;
  private streamError: Error | null = null;
  readonly tempPath: string;

  constructor(private readonly finalPath: string) {
    this.tempPath = tempPathFor(finalPath);
  }

  async open(): Promise<void> {
    const stream = createWriteStream(this.tempPath, { flags: 'w' });
    this.stream = stream;
    this.streamError = null;
    stream.on('error', (error) => {
      this.streamError = error;
    });
    try {
      await once(stream, 'open');
    } catch (error) {
      this.stream = null;
      throw this.failure('cannot create', error);
    }
  }

  async write(bytes: Buffer): Promise<void> {
    const stream = this.requireStream();
    if (!stream.write(bytes)) {
      try {
        await once(stream, 'drain');
      } catch (error) {
        throw this.failure('cannot write', error);
      }
    }
  }

  async reset(): Promise<void> {
    await this.closeStream();
    await this.open();
  }

  async commit(): Promise<void> {
    await this.closeStream();
    try {
      await rename(this.tempPath, this.finalPath);
    } catch (error) {
      throw new ClientError(
        'output_failed',
        `cannot move ${this.tempPath} to ${this.finalPath}: ${reason(error)}`,
      );
    }
  }

  async abort(): Promise<void> {
    const stream = this.stream;
    this.stream = null;
    if (stream && !stream.closed) {
      const closed = once(stream, 'close').catch(() => undefined);
      stream.destroy();
      await closed;
    }
    await unlink(this.tempPath).catch(() => undefined);
  }

  private requireStream(): WriteStream {
    if (this.streamError) throw this.failure('cannot write', this.streamError);
    if (!this.stream) throw new ClientError('output_failed', `${this.tempPath} is not open`);
    return this.stream;
  }

  private async closeStream(): Promise<void> {
    const stream = this.requireStream();
    this.stream = null;
    stream.end();
    try {
      await finished(stream);
    } catch (error) {
      throw this.failure('cannot write', error);
    }
  }

  private failure(what: string, error: unknown): ClientError {
    return new ClientError('output_failed', `${what} ${this.tempPath}: ${reason(error)}`);
  }
}

let stdoutError: Error | null = null;
let watchingStdout = false;

/** Streams to stdout as bytes arrive (like curl); a restart after output began cannot be undone. */
class StdoutSink implements Sink {
  private written = 0;

  constructor() {
    if (!watchingStdout) {
      watchingStdout = true;
      process.stdout.on('error', (error) => {
        stdoutError = error;
      });
    }
  }

  async write(bytes: Buffer): Promise<void> {
    if (stdoutError) throw this.stdoutFailed(stdoutError);
    this.written += bytes.length;
    if (!process.stdout.write(bytes)) {
      try {
        await once(process.stdout, 'drain');
      } catch (error) {
        throw this.stdoutFailed(error);
      }
    }
  }

  async reset(): Promise<void> {
    if (this.written > 0) {
      throw new ClientError(
        'object_changed',
        'the object changed during the download after its first bytes went to stdout; run it again',
      );
    }
  }

  async commit(): Promise<void> {
    if (stdoutError) throw this.stdoutFailed(stdoutError);
  }

  async abort(): Promise<void> {
    // Bytes already on stdout cannot be taken back; the exit code tells the reader.
  }

  private stdoutFailed(error: unknown): ClientError {
    return new ClientError('output_failed', `cannot write to stdout: ${reason(error)}`);
  }
}

const hashOnly: Sink = {
  write: async () => undefined,
  reset: async () => undefined,
  commit: async () => undefined,
  abort: async () => undefined,
};

export async function openSink(target: SinkTarget): Promise<Sink> {
  if (target === null) return hashOnly;
  if (target === '-') return new StdoutSink();
  const sink = new FileSink(target);
  await sink.open();
  return sink;
}
