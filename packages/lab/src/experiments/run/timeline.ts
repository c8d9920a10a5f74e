import type { TimelineStep } from '../scenario/scenario.js';

/** A step carried out: when it started and ended (s since the load started), why it failed if it did. */
export interface StepRecord {
  t: number;
  /** When it ended (s); absent for events that were not steps (a role exiting on its own). */
  endT?: number;
  /** How late it started (s) because the step before was still running; 0 when on time. */
  lateS?: number;
  label: string;
  ok: boolean;
  error?: string;
}

export interface RunningTimeline {
  /** Steps not started yet are dropped; resolves once the one in progress is done. */
  stop(): Promise<StepRecord[]>;
}

/** A start this much after the step's time is shown as late (timers are a few ms off anyway). */
const LATE_AFTER_S = 0.05;

function sleepUntil(dueAt: number, stopped: Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    // Timers round to whole milliseconds and may fire a little early: a step never starts before its time.
    const wait = (): void => {
      const left = dueAt - performance.now();
      if (left <= 0) resolve();
      else timer = setTimeout(wait, left);
    };
    void stopped.then(() => {
      clearTimeout(timer);
      resolve();
    });
    wait();
  });
}

/**
 * Carries the steps out one after the other in time order (the file's order within one time):
 * each starts at its time since `startedAt` (performance.now()), or when the one before ends if
 * that is later, so that no step acts on a lab an earlier step is still changing. A step that
 * fails is recorded and the run goes on.
 */
export function startTimeline(
  steps: readonly TimelineStep[],
  startedAt: number,
  perform: (step: TimelineStep) => Promise<void>,
  onStep: (record: StepRecord) => void = () => undefined,
): RunningTimeline {
  const records: StepRecord[] = [];
  const seconds = (): number => (performance.now() - startedAt) / 1000;
  let stopped = false;
  let stop: () => void = () => undefined;
  const stopping = new Promise<void>((resolve) => (stop = resolve));
  const queue = [...steps]
    .map((step, i) => ({ step, i }))
    .sort((a, b) => a.step.atMs - b.step.atMs || a.i - b.i);
  const running = (async () => {
    for (const { step } of queue) {
      await sleepUntil(startedAt + step.atMs, stopping);
      if (stopped) return;
      const t = seconds();
      const late = t - step.atMs / 1000;
      const lateS = late >= LATE_AFTER_S ? late : 0;
      let record: StepRecord;
      try {
        await perform(step);
        record = { t, endT: seconds(), lateS, label: step.label, ok: true };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        record = { t, endT: seconds(), lateS, label: step.label, ok: false, error: message };
      }
      records.push(record);
      onStep(record);
    }
  })();
  return {
    async stop() {
      stopped = true;
      stop();
      await running;
      return [...records];
    },
  };
}
