import type { TimelineStep } from '../scenario/scenario.js';

/** A step carried out: when (s since the load started), and why it failed if it did. */
export interface StepRecord {
  t: number;
  label: string;
  ok: boolean;
  error?: string;
}

export interface RunningTimeline {
  /** Steps not started yet are dropped; resolves once those in progress are done. */
  stop(): Promise<StepRecord[]>;
}

/**
 * Carries each step out at its time since `startedAt` (performance.now()): one timer per
 * distinct time, each aimed at the start, so delays do not add up; steps of one time run one
 * after the other in the file's order. A step that fails is recorded and the run goes on.
 */
export function startTimeline(
  steps: readonly TimelineStep[],
  startedAt: number,
  perform: (step: TimelineStep) => Promise<void>,
  onStep: (record: StepRecord) => void = () => undefined,
): RunningTimeline {
  const records: StepRecord[] = [];
  const inProgress = new Set<Promise<void>>();
  const byTime = new Map<number, TimelineStep[]>();
  for (const step of steps) byTime.set(step.atMs, [...(byTime.get(step.atMs) ?? []), step]);
  const runGroup = async (group: TimelineStep[]): Promise<void> => {
    for (const step of group) {
      const t = (performance.now() - startedAt) / 1000;
      let record: StepRecord;
      try {
        await perform(step);
        record = { t, label: step.label, ok: true };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        record = { t, label: step.label, ok: false, error: message };
      }
      records.push(record);
      onStep(record);
    }
  };
  const timers = new Set<NodeJS.Timeout>();
  // Timers round to whole milliseconds and may fire a little early: a step never starts before its time.
  const at = (dueAt: number, run: () => void): void => {
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        if (performance.now() < dueAt) at(dueAt, run);
        else run();
      },
      Math.max(0, dueAt - performance.now()),
    );
    timers.add(timer);
  };
  for (const [atMs, group] of byTime) {
    at(startedAt + atMs, () => {
      const running = runGroup(group);
      inProgress.add(running);
      void running.finally(() => inProgress.delete(running));
    });
  }
  return {
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      await Promise.all(inProgress);
      return [...records].sort((a, b) => a.t - b.t);
    },
  };
}
