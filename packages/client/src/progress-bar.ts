import cliProgress from 'cli-progress';
import type { DownloadProgress } from './download.js';
import type { LoadProgress } from './load.js';
import { RateMeter, formatDownloadLine, formatLoadLine } from './progress-format.js';

/** Redraws this often even when nothing arrives, so rate and ETA stay honest during a stall. */
const REFRESH_MS = 250;

export interface Progress<T> {
  /** Pass as the download's or load's onProgress. */
  update(progress: T): void;
  /** Removes the bar from the terminal; call before printing anything else. Idempotent. */
  stop(): void;
}

export interface TerminalBar {
  draw(value: number, total: number, text: string): void;
  stop(): void;
}

/** A one-line bar on `stream` (a terminal), redrawn in place, erased by stop(). */
export function openBar(stream: NodeJS.WritableStream): TerminalBar {
  const bar = new cliProgress.SingleBar({
    stream,
    format: '{bar} {text}',
    barsize: 24,
    barCompleteChar: '█',
    barIncompleteChar: '░',
    clearOnComplete: true,
    hideCursor: false,
    gracefulExit: false,
    fps: 10,
  });
  let started = false;
  let stopped = false;
  return {
    draw(value, total, text) {
      if (stopped) return;
      if (!started) {
        bar.start(Math.max(total, 1), value, { text });
        started = true;
        return;
      }
      bar.setTotal(Math.max(total, 1));
      bar.update(value, { text });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (started) bar.stop();
    },
  };
}

function every(ms: number, fn: () => void): () => void {
  const timer = setInterval(fn, ms);
  timer.unref();
  return () => clearInterval(timer);
}

/** Bytes, rate and ETA of one download. */
export function downloadProgressBar(
  stream: NodeJS.WritableStream,
  now: () => number = () => performance.now(),
): Progress<DownloadProgress> {
  const bar = openBar(stream);
  const meter = new RateMeter();
  let latest: DownloadProgress | null = null;
  const draw = (): void => {
    if (!latest) return;
    const { received, size } = latest;
    const text = formatDownloadLine({ received, size, bytesPerSecond: meter.perSecond(now()) });
    bar.draw(received, size ?? received, text);
  };
  const stopTicking = every(REFRESH_MS, draw);
  return {
    update(progress) {
      latest = progress;
      meter.record(progress.received, now());
      draw();
    },
    stop() {
      stopTicking();
      bar.stop();
    },
  };
}

export interface LoadPlan {
  requests?: number;
  durationMs?: number;
}

/** Completed/total (or elapsed/duration), current rate and errors of a load run. */
export function loadProgressBar(
  stream: NodeJS.WritableStream,
  plan: LoadPlan,
  now: () => number = () => performance.now(),
): Progress<LoadProgress> {
  const bar = openBar(stream);
  const meter = new RateMeter();
  const started = now();
  meter.record(0, started);
  let done = 0;
  let failed = 0;
  const draw = (): void => {
    const elapsedMs = now() - started;
    const text = formatLoadLine({
      done,
      failed,
      requestsPerSecond: meter.perSecond(now()),
      elapsedMs,
      ...plan,
    });
    if (plan.requests !== undefined) bar.draw(done, plan.requests, text);
    else bar.draw(Math.min(elapsedMs, plan.durationMs ?? 0), plan.durationMs ?? 0, text);
  };
  const stopTicking = every(REFRESH_MS, draw);
  draw();
  return {
    update(progress) {
      done = progress.done;
      failed = progress.failed;
      meter.record(done, now());
      draw();
    },
    stop() {
      stopTicking();
      bar.stop();
    },
  };
}
