import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError, formatBytes, parseBytes, parseDuration } from '../src/index.js';

describe('units', () => {
  it('parses sizes in binary units', () => {
    assert.equal(parseBytes('1048576'), 1048576);
    assert.equal(parseBytes('512KiB'), 512 * 1024);
    assert.equal(parseBytes('64m'), 64 * 1024 * 1024);
    assert.equal(parseBytes('1.5 GiB'), 1.5 * 1024 ** 3);
    assert.throws(() => parseBytes('lots'), UserError);
    assert.throws(() => parseBytes('5 parsecs'), /not a size/);
  });

  it('parses durations, with the bare unit chosen by the caller', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('2s'), 2000);
    assert.equal(parseDuration('1.5m'), 90_000);
    assert.equal(parseDuration('3', 's'), 3000);
    assert.equal(parseDuration('3'), 3);
    assert.throws(() => parseDuration('soon'), /not a duration/);
  });

  it('formats sizes for people', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.50 KiB');
    assert.equal(formatBytes(64 * 1024 * 1024), '64.0 MiB');
  });
});
