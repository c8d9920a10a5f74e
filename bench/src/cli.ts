#!/usr/bin/env node
/**
 * npm run bench [-- B2 B4 ...] [--smoke] [--runs N] [--no-write] [--write]
 * Runs the benchmarks and prints a table. A full run of the whole suite also writes
 * bench/RESULTS.md and bench/report.html (the same results as charts); a subset only does with
 * --write (so it does not replace the full results).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { intArg, newProgram } from '@cdn-lab/common';
import { ensurePeers } from './peers.js';
import { BENCHMARKS } from './registry.js';
import { resultsMarkdown, textTable } from './report.js';
import { benchReportHtml } from './report-html.js';
import type { BenchResult } from './types.js';

const RESULTS_FILE = fileURLToPath(new URL('../../RESULTS.md', import.meta.url));
const REPORT_FILE = fileURLToPath(new URL('../../report.html', import.meta.url));
/** Marks where the hand-written analysis starts in RESULTS.md; it is kept across runs. */
const ANALYSIS_MARK = '<!-- analysis -->';

interface Args {
  ids: string[];
  smoke: boolean;
  runs: number;
  /** null: decide by whether the whole suite runs. */
  write: boolean | null;
}

function parseArgs(): Args {
  const names = BENCHMARKS.map((bench) => bench.id);
  const program = newProgram('bench', 'Measures cdn-lab against its peers and prints the ratios.')
    .argument('[ids...]', `benchmarks to run (${names.join(', ')}); all when none is named`)
    .option('--smoke', 'tiny sizes, no peers needed: checks that every benchmark still runs')
    .option('--runs <n>', 'runs per measurement (the median is reported)', intArg(1), 3)
    .option('--write', 'replace bench/RESULTS.md and bench/report.html even for a subset')
    .option('--no-write', 'write neither bench/RESULTS.md nor bench/report.html, even for all')
    .parse();
  const ids = program.processedArgs[0] as string[];
  const { smoke, runs, write } = program.opts<{ smoke?: boolean; runs: number; write?: boolean }>();
  const byUpper = new Map(names.map((name) => [name.toUpperCase(), name]));
  const chosen = ids.map((id) => byUpper.get(id.toUpperCase()) ?? id);
  const unknown = chosen.filter((id) => !names.includes(id));
  if (unknown.length > 0) {
    throw new Error(`unknown benchmark ${unknown.join(', ')}; choose from ${names.join(', ')}`);
  }
  return { ids: chosen, smoke: smoke ?? false, runs, write: write ?? null };
}

async function keptAnalysis(): Promise<string> {
  try {
    const text = await readFile(RESULTS_FILE, 'utf8');
    const at = text.indexOf(ANALYSIS_MARK);
    return at < 0 ? `${ANALYSIS_MARK}\n` : text.slice(at);
  } catch {
    return `${ANALYSIS_MARK}\n`;
  }
}

async function main(): Promise<void> {
  const args = parseArgs();
  const chosen =
    args.ids.length > 0 ? BENCHMARKS.filter((b) => args.ids.includes(b.id)) : BENCHMARKS;
  await ensurePeers(args.smoke);
  const tmpDir = await mkdtemp(join(tmpdir(), 'cdn-bench-'));
  const started = performance.now();
  const results: BenchResult[] = [];
  try {
    for (const bench of chosen) {
      console.error(`${bench.id}: ${bench.title} ...`);
      const benchStarted = performance.now();
      results.push(await bench.run({ smoke: args.smoke, runs: args.runs, tmpDir }));
      console.error(
        `${bench.id}: done in ${((performance.now() - benchStarted) / 1000).toFixed(1)} s`,
      );
    }
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
  console.log(textTable(results));
  const elapsed = (performance.now() - started) / 1000;
  const write = args.write ?? args.ids.length === 0;
  if (!write && !args.smoke) {
    console.error('bench/RESULTS.md and report.html not written (a subset; add --write)');
  }
  if (write && !args.smoke) {
    const command = `npm run bench${args.ids.length > 0 ? ` -- ${args.ids.join(' ')}` : ''}`;
    const body = resultsMarkdown(results, command, elapsed);
    await writeFile(RESULTS_FILE, `${body}\n${await keptAnalysis()}`);
    await writeFile(REPORT_FILE, benchReportHtml(results, command));
    console.error(`wrote ${RESULTS_FILE} and ${REPORT_FILE}`);
  }
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
