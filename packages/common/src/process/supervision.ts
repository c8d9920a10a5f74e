/**
 * A role started by a supervisor (the local lab, a test) gets an IPC channel. Through it the role
 * says when it is ready and where it listens, so the supervisor waits on an event instead of
 * polling ports; and when the supervisor goes away, the role stops gracefully instead of lingering.
 * The supervisor may also ask for the role's memory (heap-report.ts).
 */
import { answerHeapReports } from './heap-report.js';

export interface ReadyMessage {
  type: 'ready';
  role: string;
  host: string;
  port: number;
  url?: string;
  /** The role's admin HTTP server, when it runs one. */
  adminUrl?: string;
}

export function isReadyMessage(value: unknown): value is ReadyMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  return message['type'] === 'ready' && typeof message['port'] === 'number';
}

/** Tells a supervisor (if any) that the role listens; stops the role if the supervisor leaves. */
export function announceReady(ready: Omit<ReadyMessage, 'type'>): void {
  if (!process.send) return;
  const stop = (): void => {
    process.kill(process.pid, 'SIGTERM');
  };
  if (!process.connected) {
    // The supervisor went away while this role was starting: nobody will ever stop it.
    stop();
    return;
  }
  process.send({ type: 'ready', ...ready } satisfies ReadyMessage);
  process.once('disconnect', stop);
  answerHeapReports();
}
