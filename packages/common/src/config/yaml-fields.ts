import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { Document, LineCounter } from 'yaml';
import type * as Zod from 'zod';

export type { output as ZodOutput } from 'zod';

/** Where a value sits in a parsed file: keys and array indexes from the top. */
export type FieldPath = (string | number)[];

export interface YamlAndZod {
  z: typeof Zod.z;
  yaml: typeof Yaml;
}

/**
 * zod and yaml are loaded on the first file read, not with every role: together they are about
 * 0.2 s of CPU at each process start, which a lab without files to read should not pay.
 */
const requireLazily = createRequire(import.meta.url);
let libraries: YamlAndZod | null = null;

export function yamlAndZod(): YamlAndZod {
  libraries ??= {
    z: (requireLazily('zod') as typeof Zod).z,
    yaml: requireLazily('yaml') as typeof Yaml,
  };
  return libraries;
}

/** A zod field whose value goes through a parser that returns the value or a message. */
export function parsedField<I, T>(input: Zod.ZodType<I>, parse: (value: I) => T | string) {
  const { z } = yamlAndZod();
  return input.transform((value, ctx) => {
    const result = parse(value);
    if (typeof result === 'string') {
      ctx.addIssue({ code: 'custom', message: result });
      return z.NEVER;
    }
    return result;
  });
}

/** Where a field sits in the file: its line, or the nearest enclosing one's. */
export function lineOf(doc: Document, lines: LineCounter, path: FieldPath): number | null {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node: unknown = doc.getIn(path.slice(0, depth), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) return lines.linePos(range[0]).line;
  }
  return null;
}

/** `regions[2].loopback`: a path as a user reads it. */
export function fieldName(path: FieldPath): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`,
    )
    .join('');
}

/** A parsed document's syntax errors, each as `source:line: message`. */
export function yamlSyntaxProblems(doc: Document, lines: LineCounter, source: string): string[] {
  return doc.errors.map((error) => {
    const line = lines.linePos(error.pos[0]).line;
    return `${source}:${line}: ${error.message.split('\n')[0]}`;
  });
}

/**
 * zod's issues as (path, message) pairs; an unknown field is named where it is written, one
 * pair per field.
 */
export function zodIssueProblems(
  issues: readonly Zod.core.$ZodIssue[],
  add: (path: FieldPath, message: string, code: string) => void,
): void {
  for (const issue of issues) {
    const path = issue.path.filter((part) => typeof part !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add([...path, key], 'is not a field here', issue.code);
    } else {
      add(path, issue.message, issue.code);
    }
  }
}
