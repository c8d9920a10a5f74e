import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { RequestLogGate, parseRequestLogPolicy, type Logger } from '../src/index.js';

function capturingLog(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({}, stream), lines };
}

describe('the request log policy', () => {
  it('reads all, off and a rate, and names a bad value', () => {
    assert.equal(parseRequestLogPolicy('all'), 'all');
    assert.equal(parseRequestLogPolicy(' OFF '), 'off');
    assert.equal(parseRequestLogPolicy('0'), 'off');
    assert.deepEqual(parseRequestLogPolicy('250'), { perSecond: 250 });
    for (const bad of ['', 'some', '-1', '2.5']) {
      assert.throws(() => parseRequestLogPolicy(bad), /is not all, off or a whole number/);
    }
  });

  it('lets N requests a second through and counts the rest in one line', async () => {
    const { log, lines } = capturingLog();
    const gate = new RequestLogGate(log, { perSecond: 2 });
    const start = 1_000_000;
    const admitted = [0, 1, 2, 3, 4].map((ms) => gate.admits(start + ms));
    assert.deepEqual(admitted, [true, true, false, false, false]);
    assert.equal(gate.admits(start + 1_000), true, 'a new second lets lines through again');
    await new Promise((resolve) => setImmediate(resolve));
    const counted = lines.filter((line) => line.event === 'requests-not-logged');
    assert.equal(counted.length, 1);
    assert.equal(counted[0]?.requests, 3);
    gate.admits(start + 1_001);
    gate.admits(start + 1_002);
    gate.flush();
    await new Promise((resolve) => setImmediate(resolve));
    const after = lines.filter((line) => line.event === 'requests-not-logged');
    assert.equal(after.at(-1)?.requests, 1, 'flush writes what the last second left out');
  });

  it('admits every request with all, none with off', () => {
    const { log, lines } = capturingLog();
    const all = new RequestLogGate(log, 'all');
    const off = new RequestLogGate(log, 'off');
    for (let index = 0; index < 1000; index += 1) {
      assert.equal(all.admits(index), true);
      assert.equal(off.admits(index), false);
    }
    off.flush();
    assert.equal(lines.length, 0, 'off writes no count lines either');
  });
});
