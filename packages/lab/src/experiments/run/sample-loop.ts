import { sampleCount } from './sample-intervals.js';

export interface SampleLoop<T> {
  /** Takes the samples still due up to `endMs` and the last one at the end; all of them, in order. */
  finish(endMs: number): Promise<T[]>;
}

/**
 * Takes sample k at k·sampleMs after `startedAt` (performance.now()), each aimed at the start so
 * that delays do not add up; one sample at a time.
 */
export function startSampleLoop<T>(
  startedAt: number,
  sampleMs: number,
  take: () => Promise<T>,
): SampleLoop<T> {
  const samples: T[] = [];
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  let finished = false;
  const schedule = (): void => {
    const due = startedAt + (samples.length + 1) * sampleMs;
    timer = setTimeout(
      () => {
        current = take().then((sample) => {
          samples.push(sample);
          if (!finished) schedule();
        });
      },
      Math.max(0, due - performance.now()),
    );
  };
  schedule();
  return {
    async finish(endMs) {
      finished = true;
      clearTimeout(timer);
      await current;
      const count = sampleCount(endMs, sampleMs);
      // A sample that came due just before the end but had no turn yet is taken now.
      while (samples.length < count - 1) samples.push(await take());
      samples.length = Math.min(samples.length, count - 1);
      samples.push(await take());
      return samples;
    },
  };
}
