import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { downloadProgressBar, loadProgressBar } from '../src/progress-bar.js';
import {
  RateMeter,
  formatDownloadLine,
  formatEta,
  formatLoadLine,
  shouldShowProgress,
} from '../src/progress-format.js';

/** A stand-in terminal: collects what the bar writes. */
function fakeTerminal(): {
  stream: Writable & { isTTY: boolean; columns: number };
  text(): string;
} {
  let written = '';
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString();
        done();
      },
    }),
    { isTTY: true, columns: 120 },
  );
  return { stream, text: () => written };
}

describe('when to draw a progress bar', () => {
  it('draws only on a terminal, and not with --quiet or a dumb terminal', () => {
    const tty = { stderrIsTTY: true, quiet: false, term: 'xterm-256color' };
    assert.equal(shouldShowProgress(tty), true);
    assert.equal(shouldShowProgress({ ...tty, stderrIsTTY: undefined }), false);
    assert.equal(shouldShowProgress({ ...tty, stderrIsTTY: false }), false);
    assert.equal(shouldShowProgress({ ...tty, quiet: true }), false);
    assert.equal(shouldShowProgress({ ...tty, term: 'dumb' }), false);
    assert.equal(shouldShowProgress({ ...tty, term: undefined }), true);
  });
});

describe('progress text', () => {
  it('formats an ETA in seconds, minutes or hours, and a dash while unknown', () => {
    assert.equal(formatEta(null), '—');
    assert.equal(formatEta(Number.POSITIVE_INFINITY), '—');
    assert.equal(formatEta(0), '0 s');
    assert.equal(formatEta(7.2), '8 s');
    assert.equal(formatEta(125), '2 min 05 s');
    assert.equal(formatEta(3 * 3600 + 4 * 60), '3 h 04 min');
  });

  it('shows bytes received of the size, the rate and the time left of a download', () => {
    const line = formatDownloadLine({
      received: 4 * 1024 * 1024,
      size: 10 * 1024 * 1024,
      bytesPerSecond: 2 * 1024 * 1024,
    });
    assert.equal(line, ' 40% · 4.00 MiB of 10.0 MiB · 2.00 MiB/s · ETA 3 s');
    assert.match(
      formatDownloadLine({ received: 0, size: null, bytesPerSecond: 0 }),
      /waiting for the size/,
    );
    assert.match(
      formatDownloadLine({ received: 100, size: 100, bytesPerSecond: 0 }),
      /100% .* ETA 0 s$/,
    );
  });

  it('shows completed of total requests, the rate, the errors and the time left of a load', () => {
    const line = formatLoadLine({
      done: 120,
      failed: 2,
      requestsPerSecond: 40,
      elapsedMs: 3000,
      requests: 500,
    });
    assert.equal(line, '120/500 requests · 40.0 req/s · 2 errors · ETA 10 s');
  });

  it('shows elapsed of the duration in a timed load', () => {
    const line = formatLoadLine({
      done: 1034,
      failed: 1,
      requestsPerSecond: 85.24,
      elapsedMs: 12_900,
      durationMs: 30_000,
    });
    assert.equal(line, '12 s of 30 s · 1034 done · 85.2 req/s · 1 error');
  });
});

describe('RateMeter', () => {
  it('measures over its window and falls while nothing arrives', () => {
    const meter = new RateMeter(3000);
    meter.record(0, 0);
    meter.record(1000, 1000);
    meter.record(2000, 2000);
    assert.equal(meter.perSecond(2000), 1000);
    // Two quiet seconds: the rate is measured up to now, so it drops.
    assert.equal(meter.perSecond(4000), 500);
    meter.record(10_000, 10_000);
    // The old samples left the window; the rate is over the last one before it and now.
    assert.equal(meter.perSecond(10_000), 1000);
  });
});

describe('progress bars on a terminal', () => {
  it('draws a load bar with the counts and erases it when stopped', () => {
    const terminal = fakeTerminal();
    let now = 0;
    const bar = loadProgressBar(terminal.stream, { requests: 10 }, () => now);
    now = 1000;
    bar.update({
      done: 3,
      ok: 2,
      failed: 1,
      last: {
        path: '/a',
        ok: false,
        latencyMs: 1,
        bytes: 0,
        servedBy: [],
        failovers: 0,
        failoverCodes: [],
        code: 'not_found',
      },
    });
    bar.stop();
    const text = terminal.text();
    assert.match(text, /█+░+ 3\/10 requests · 3\.0 req\/s · 1 error · ETA 3 s/);
    // After the last drawing, the whole line is erased (ESC [2K) so the report starts clean.
    const afterLastDrawing = text.slice(text.lastIndexOf('requests'));
    assert.ok(afterLastDrawing.endsWith('\u001b[2K'), JSON.stringify(afterLastDrawing));
  });

  it('draws a download bar once the size is known', () => {
    const terminal = fakeTerminal();
    let now = 0;
    const bar = downloadProgressBar(terminal.stream, () => now);
    bar.update({ received: 0, size: 2048 });
    now = 1000;
    bar.update({ received: 1024, size: 2048 });
    bar.stop();
    assert.match(terminal.text(), / 50% · 1\.00 KiB of 2\.00 KiB · 1\.00 KiB\/s · ETA 1 s/);
  });
});
