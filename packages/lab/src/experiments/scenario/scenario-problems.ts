import { UserError, fieldName, lineOf, type FieldPath } from '@cdn-lab/common';
import type { Document, LineCounter } from 'yaml';
import type { FieldOverride } from './field-override.js';

function startsWith(path: FieldPath, prefix: readonly string[]): boolean {
  return prefix.every((key, index) => path[index] === key);
}

function given(override: FieldOverride): string {
  return `${override.origin} ${override.field}=${override.text}`;
}

/**
 * Every mistake in a scenario as one line: `file:line: field: message`. A field an override
 * replaced names the override instead of a line; anything else found while overrides are in
 * force says which ones, since the file alone may be fine.
 */
export class ScenarioProblems {
  private readonly found: { line: number; text: string }[] = [];

  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly overrides: readonly FieldOverride[],
  ) {}

  add(path: FieldPath, message: string): void {
    const field = path.length > 0 ? `${fieldName(path)}: ` : '';
    const override = this.overrides.findLast((candidate) =>
      startsWith(path, candidate.field.split('.')),
    );
    if (override) {
      const where = override.line === null ? this.file : `${this.file}:${override.line}`;
      this.found.push({
        line: override.line ?? 0,
        text: `${where}: ${given(override)}: ${field}${message}`,
      });
      return;
    }
    const line = lineOf(this.doc, this.lines, path);
    const where = line === null ? this.file : `${this.file}:${line}`;
    const context =
      this.overrides.length > 0 ? ` (with ${this.overrides.map(given).join(', ')})` : '';
    this.found.push({ line: line ?? 0, text: `${where}: ${field}${message}${context}` });
  }

  /** A line already written as `file:line: message` (the YAML parser's, which may repeat one). */
  addWritten(line: number, text: string): void {
    if (this.found.some((problem) => problem.text === text)) return;
    this.found.push({ line, text });
  }

  lineOf(path: FieldPath): number {
    return lineOf(this.doc, this.lines, path) ?? 0;
  }

  get any(): boolean {
    return this.found.length > 0;
  }

  /** One line a mistake, in the file's order; exit code 2 (bad input). */
  throwIfAny(): void {
    if (this.found.length === 0) return;
    const sorted = [...this.found].sort((a, b) => a.line - b.line);
    throw new UserError(sorted.map((problem) => problem.text).join('\n'), 2);
  }
}
