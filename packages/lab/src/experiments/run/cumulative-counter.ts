/**
 * A total over processes whose own counters start at 0 when they start: each process adds only
 * what its counter rose by, so a killed or restarted process never makes the total drop.
 */
export class CumulativeCounter {
  private readonly last = new Map<string, number>();
  private sum = 0;

  /** What the process had counted before the load started: not part of the total. */
  baseline(process: string, value: number): void {
    this.last.set(process, value);
  }

  /** The process's counter now; a process first seen now counts from 0 (it started since). */
  observe(process: string, value: number): void {
    const previous = this.last.get(process) ?? 0;
    if (value > previous) this.sum += value - previous;
    this.last.set(process, Math.max(previous, value));
  }

  get total(): number {
    return this.sum;
  }
}
