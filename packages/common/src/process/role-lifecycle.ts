import type { EventLog } from '../logging/logger.js';
import { say } from '../logging/logger.js';
import { onStopSignals } from './shutdown.js';
import { announceReady, type ReadyMessage } from './supervision.js';

export interface RunningRole {
  role: string;
  eventLog: EventLog;
  /** Where it listens, for a supervisor waiting on it. */
  ready: Omit<ReadyMessage, 'type' | 'role'>;
  /** What the person at the terminal is told on the first signal, after "SIGTERM: ". */
  stopping: string;
  /** The graceful stop: drain, close, finish what is in flight. */
  stop: () => Promise<void>;
}

/**
 * The end of every role's start-up: tell a supervisor it is ready, then on the first
 * SIGINT/SIGTERM stop gracefully, log it, flush the log and exit 0 (a second signal exits at once).
 */
export function serveUntilStopped(running: RunningRole): void {
  const { role, eventLog } = running;
  announceReady({ role, ...running.ready });
  onStopSignals(async (signal) => {
    say(role, `${signal}: ${running.stopping}`);
    eventLog.log.info({ event: 'stopping', signal }, 'stopping');
    await running.stop();
    eventLog.log.info({ event: 'stopped' }, 'stopped');
    eventLog.close();
    say(role, 'stopped');
    return 0;
  });
}
