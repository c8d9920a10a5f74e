// `cdn-lab run` as a user runs it, and the run folder it writes, read back.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { labCli } from './lab-cli-run.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `cdn-lab run ARGS` to its end. */
export function labCliRun(args: string[], cwd: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [labCli, 'run', ...args], { cwd }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: number }).code ?? null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A scenario file in `dir`, from YAML lines. */
export async function scenarioFile(dir: string, name: string, lines: string[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

export interface CsvRow {
  variant: string;
  t: number;
  chart: string;
  series: string;
  value: number | null;
}

/** timeseries.csv's rows (its names hold no commas or quotes). */
export async function readCsv(file: string): Promise<{ header: string; rows: CsvRow[] }> {
  const [header = '', ...lines] = (await readFile(file, 'utf8')).trimEnd().split('\r\n');
  const rows = lines.map((line) => {
    const [variant = '', t = '', chart = '', series = '', value = ''] = line.split(',');
    return { variant, t: Number(t), chart, series, value: value === '' ? null : Number(value) };
  });
  return { header, rows };
}

/** A per-second series back to a count: each value × its interval's length, summed. */
export function countOf(rows: readonly CsvRow[]): number {
  let previous = 0;
  let sum = 0;
  for (const row of [...rows].sort((a, b) => a.t - b.t)) {
    sum += (row.value ?? 0) * (row.t - previous);
    previous = row.t;
  }
  return sum;
}
