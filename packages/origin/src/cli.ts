#!/usr/bin/env node
import { resolve } from 'node:path';
import {
  serveUntilStopped,
  bytesArg,
  envOption,
  exitWithHealth,
  formatBytes,
  loadEnvFile,
  newProgram,
  openEventLog,
  portArg,
  runMain,
  say,
  UserError,
  type EventLog,
  type Logger,
} from '@cdn-lab/common';
import { writeDemoSite } from './demo/write-demo-site.js';
import { checkOrigin } from './healthcheck.js';
import { startOrigin } from './server.js';

interface CliOptions {
  root?: string;
  port: number;
  host: string;
  demo?: string;
  serve?: boolean;
  maxObjectBytes?: number;
  log?: string;
  healthcheck?: boolean;
}

const ROLE = 'origin';

async function main(): Promise<void> {
  loadEnvFile();
  const program = newProgram(
    'cdn-origin',
    'The lab origin: serves a directory over HTTP and writes the demo site.',
  )
    .addOption(envOption('-r, --root <dir>', 'directory to serve', 'ORIGIN_ROOT'))
    .addOption(
      envOption('-p, --port <port>', 'port to listen on', 'ORIGIN_PORT')
        .argParser(portArg)
        .default(8080),
    )
    .addOption(
      envOption('--host <addr>', 'address to listen on', 'ORIGIN_HOST').default('127.0.0.1'),
    )
    .option('--demo <dir>', 'write the deterministic demo site into <dir> and exit')
    .option('--serve', 'with --demo: serve the demo site after writing it')
    .addOption(
      envOption(
        '--max-object-bytes <size>',
        'with --demo: leave out larger objects (e.g. 10MiB)',
        'ORIGIN_MAX_OBJECT_BYTES',
      ).argParser(bytesArg),
    )
    .option('-l, --log <file>', 'write JSON-lines events to <file>')
    .option(
      '--healthcheck',
      'ask the origin running with these settings whether it is ready; exit 0 (yes) or 1',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  cdn-origin --demo ./site            write the demo site and exit\n  cdn-origin --demo ./site --serve    write it, then serve it on 127.0.0.1:8080\n  cdn-origin --root ./site --port 9000',
    );
  program.parse();
  const options = program.opts<CliOptions>();
  if (options.healthcheck)
    await exitWithHealth(ROLE, () => checkOrigin(options.host, options.port));

  if (options.serve && !options.demo)
    throw new UserError('--serve goes with --demo DIR; to serve a directory use --root DIR');
  if (
    options.demo &&
    options.serve &&
    options.root &&
    program.getOptionValueSource('root') === 'cli' &&
    resolve(options.root) !== resolve(options.demo)
  ) {
    throw new UserError(
      '--demo DIR --serve serves DIR; leave out --root or give it the same directory',
    );
  }

  const eventLog = openEventLog(ROLE, options.log);
  try {
    if (options.demo) {
      await writeDemo(options.demo, options.maxObjectBytes, eventLog.log);
      if (!options.serve) return;
    }
    const root = options.demo ?? options.root;
    if (!root) {
      throw new UserError(
        'nothing to do: give --root DIR to serve a directory, or --demo DIR to write the demo site',
      );
    }
    await serve(root, options, eventLog);
  } catch (error) {
    eventLog.close();
    throw error;
  }
}

async function writeDemo(
  dir: string,
  maxObjectBytes: number | undefined,
  log: Logger,
): Promise<void> {
  const started = Date.now();
  const site = await writeDemoSite(dir, { maxObjectBytes });
  const { files, totalBytes, written, upToDate } = site;
  log.info(
    { event: 'demo-written', dir: site.dir, files, totalBytes, written, upToDate },
    'demo site ready',
  );
  const what = `${files} files, ${formatBytes(totalBytes)}`;
  const how = upToDate
    ? 'already up to date'
    : `wrote ${written.length} of them in ${((Date.now() - started) / 1000).toFixed(1)} s`;
  say(ROLE, `demo site in ${site.dir} (${what}; ${how}); manifest: ${site.manifestPath}`);
}

async function serve(root: string, options: CliOptions, eventLog: EventLog): Promise<void> {
  const { log } = eventLog;
  const origin = await startOrigin({ root, host: options.host, port: options.port, log });
  say(ROLE, `serving ${origin.root} at ${origin.url}/ (Ctrl-C stops)`);
  serveUntilStopped({
    role: ROLE,
    eventLog,
    ready: { host: origin.host, port: origin.port, url: origin.url },
    stopping: 'finishing in-flight responses, then stopping',
    stop: async () => {
      log.info({ event: 'closing', requests: origin.requests }, 'closing');
      await origin.close();
    },
  });
}

void runMain('cdn-origin', main);
