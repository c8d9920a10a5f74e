import { setTimeout as sleep } from 'node:timers/promises';
import { activeFaultNames, activeFaults, type Faults, type Logger } from '@cdn-lab/common';

/** A fault that answers the request with an error instead of serving it. */
export const INJECTED_ERROR = 'injected fault: errorRate';

/**
 * The faults in force and the dice for each: requests, transfers and probes ask it what to do.
 * `random` is a parameter so tests can make a fraction certain.
 */
export class FaultInjector {
  private faults: Faults = {};
  private noFaults = true;

  constructor(
    private readonly log: Logger,
    private readonly random: () => number = Math.random,
  ) {}

  get current(): Faults {
    return { ...this.faults };
  }

  /** No fault is set: the hot paths skip every fault check. */
  get quiet(): boolean {
    return this.noFaults;
  }

  get names(): string[] {
    return activeFaultNames(this.faults);
  }

  /** Merges `changes` into the faults in force (0 turns one off); returns the active ones. */
  merge(changes: Faults): Faults {
    this.faults = activeFaults({ ...this.faults, ...changes });
    this.noFaults = Object.keys(this.faults).length === 0;
    this.log.info({ event: 'faults-set', faults: this.faults }, 'faults changed');
    return this.current;
  }

  clear(): void {
    this.faults = {};
    this.noFaults = true;
    this.log.info({ event: 'faults-cleared' }, 'faults cleared');
  }

  /** The delay (plus jitter) before answering a request; resolves at once without one. */
  async delayRequest(): Promise<void> {
    const base = this.faults.delayMs ?? 0;
    const jitter = (this.faults.jitterMs ?? 0) * this.random();
    if (base + jitter > 0) await sleep(base + jitter);
  }

  failsRequest(): boolean {
    return this.roll(this.faults.errorRate);
  }

  dropsProbe(): boolean {
    return this.roll(this.faults.probeLoss);
  }

  /** For a transfer of `bytes`: after how many bytes to cut it, or null to let it finish. */
  resetPoint(bytes: number): number | null {
    if (!this.roll(this.faults.resetRate)) return null;
    return Math.floor(bytes / 2);
  }

  /** A bandwidth cap is in force: transfers are sent in paced slices. */
  get pacesTransfers(): boolean {
    return (this.faults.bandwidthKBps ?? 0) > 0;
  }

  /** Paces a transfer: waits until `sent` bytes since `startedAt` fit the bandwidth cap. */
  async pace(sent: number, startedAt: number): Promise<void> {
    const kbps = this.faults.bandwidthKBps ?? 0;
    if (kbps <= 0) return;
    const due = startedAt + (sent / (kbps * 1024)) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
  }

  /**
   * A chunk in the pieces a sink takes (at most `maxWrite` bytes each); with a bandwidth cap,
   * in slices of about 100 ms each, so pacing is smooth.
   */
  slices(piece: Buffer, maxWrite = Number.POSITIVE_INFINITY): Buffer[] {
    const kbps = this.faults.bandwidthKBps ?? 0;
    const paced = kbps > 0 ? Math.max(1024, Math.floor((kbps * 1024) / 10)) : Infinity;
    const size = Math.min(paced, maxWrite);
    if (piece.length <= size) return [piece];
    const out: Buffer[] = [];
    for (let start = 0; start < piece.length; start += size) {
      out.push(piece.subarray(start, start + size));
    }
    return out;
  }

  private roll(rate: number | undefined): boolean {
    return rate !== undefined && rate > 0 && this.random() < rate;
  }
}
