import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const COMMON = new URL('../src/index.js', import.meta.url).href;

/**
 * A process with an event log, as every role has one: it logs the event named in each message
 * from the test, flushes, and says so; and says when it has handled a SIGHUP.
 */
const LOGGING_PROCESS = `
import { openEventLog } from ${JSON.stringify(COMMON)};
const { log } = openEventLog('test', process.argv[2]);
process.on('SIGHUP', () => setImmediate(() => process.send('hangup handled')));
process.on('message', (event) => {
  if (event === 'exit') process.exit(0);
  log.info({ event }, event);
  log.flush(() => process.send('logged'));
});
process.send('ready');
`;

function events(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => String((JSON.parse(line) as { event?: unknown }).event));
}

describe('log rotation', () => {
  it('SIGHUP opens the log file again: lines before stay in the renamed file, lines after go to a new one', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'cdn-log-reopen-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const script = join(dir, 'logging.mjs');
    await writeFile(script, LOGGING_PROCESS);
    const file = join(dir, 'role.log');
    const child = fork(script, [file], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    t.after(() => child.kill('SIGKILL'));
    const next = async (): Promise<string> =>
      String(((await once(child, 'message')) as [unknown])[0]);
    const exited = once(child, 'exit');
    assert.equal(await next(), 'ready');
    child.send('before-rotation');
    assert.equal(await next(), 'logged');

    await rename(file, `${file}.1`); // what logrotate does first
    child.kill('SIGHUP');
    assert.equal(await next(), 'hangup handled', 'the process lives on after SIGHUP');
    child.send('after-rotation');
    assert.equal(await next(), 'logged');
    child.send('exit');
    await exited;

    assert.deepEqual(events(await readFile(`${file}.1`, 'utf8')), ['before-rotation']);
    assert.deepEqual(events(await readFile(file, 'utf8')), ['log-reopened', 'after-rotation']);
  });
});
