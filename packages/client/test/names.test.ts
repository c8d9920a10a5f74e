import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '@cdn-lab/common';
import { defaultOutputName, parsePathsFile } from '../src/index.js';

describe('defaultOutputName', () => {
  it("keeps the original's website.html for the default object", () => {
    assert.equal(defaultOutputName(null), 'website.html');
  });

  it("uses the path's file name, or index.html for a folder", () => {
    assert.equal(defaultOutputName('/objects/1m.bin'), '1m.bin');
    assert.equal(defaultOutputName('/docs/'), 'index.html');
    assert.equal(defaultOutputName('/'), 'index.html');
    assert.equal(defaultOutputName('/a/b%20c.txt?v=2'), 'b c.txt');
    assert.equal(defaultOutputName('/a/%2F..'), 'index.html');
  });
});

describe('parsePathsFile', () => {
  it('reads one path a line, skipping blanks and comments', () => {
    assert.deepEqual(parsePathsFile('# list\n/a\n\n  /b  # big one\r\n', 'p.txt'), ['/a', '/b']);
  });

  it('names the line of a path without a leading slash', () => {
    assert.throws(
      () => parsePathsFile('/a\nb\n', 'p.txt'),
      (error: unknown) => error instanceof UserError && /p\.txt line 2/.test(error.message),
    );
  });

  it('refuses a file with no paths', () => {
    assert.throws(() => parsePathsFile('# nothing\n', 'p.txt'), UserError);
  });
});
