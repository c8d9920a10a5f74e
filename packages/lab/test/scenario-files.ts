import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Scenario files written into one temporary folder, removed when the test file ends. */
export class ScenarioFolder {
  readonly dir = mkdtempSync(join(tmpdir(), 'cdn-lab-scenario-'));

  /** Writes `text` (its lines as given, so a test can name them) and returns the path. */
  write(name: string, text: string): string {
    const file = join(this.dir, name);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
    return file;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The lines joined, so line numbers in a test read off its array index + 1. */
export function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}
