import { openBar } from '@cdn-lab/client';
import type { VariantProgress } from './run-variant.js';

/** Not on a terminal (CI, a pipe): a line this often instead of a bar. */
const LINE_EVERY_MS = 5_000;

export interface RunProgress {
  update(variant: number, of: number, progress: VariantProgress): void;
  /** Removes the bar; call before printing anything else. Idempotent. */
  stop(): void;
}

/** `variant 1/2 · running · 7 s left · 412 requests · 3 errors` */
export function progressText(variant: number, of: number, progress: VariantProgress): string {
  const leftS = Math.max(0, Math.ceil((progress.durationMs - progress.elapsedMs) / 1000));
  const time = progress.phase === 'running' ? ` · ${leftS} s left` : '';
  const errors = `${progress.errors} error${progress.errors === 1 ? '' : 's'}`;
  return `variant ${variant}/${of} · ${progress.phase}${time} · ${progress.requests} requests · ${errors}`;
}

/** A cli-progress bar of the load's time on a terminal; otherwise a line every 5 s and at each phase. */
export function runProgress(stream: NodeJS.WriteStream): RunProgress {
  if (!stream.isTTY) {
    let lastLineAt = -Infinity;
    let lastPhase = '';
    return {
      update(variant, of, progress) {
        const now = performance.now();
        const phase = `${variant} ${progress.phase}`;
        if (phase === lastPhase && now - lastLineAt < LINE_EVERY_MS) return;
        lastPhase = phase;
        lastLineAt = now;
        stream.write(`[run] ${progressText(variant, of, progress)}\n`);
      },
      stop: () => undefined,
    };
  }
  const bar = openBar(stream);
  return {
    update(variant, of, progress) {
      const value = Math.min(progress.elapsedMs, progress.durationMs);
      bar.draw(value, progress.durationMs, progressText(variant, of, progress));
    },
    stop: () => bar.stop(),
  };
}
