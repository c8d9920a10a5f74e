import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseServersFile } from '../src/index.js';

const lineish = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom(
    '127.0.0.1',
    '127.0.1.2:9000',
    '[::1]:9001',
    'replica',
    '# comment',
    '',
    ':',
    '[',
    '[::1',
    'a:99999',
  ),
  fc.tuple(fc.ipV4(), fc.integer({ min: -5, max: 70_000 })).map(([ip, port]) => `${ip}:${port}`),
);

describe('fuzz: servers.txt parser', () => {
  it('never throws; every line is an entry, a problem with its number, or blank/comment', () => {
    fc.assert(
      fc.property(
        fc.array(lineish, { maxLength: 30 }),
        fc.integer({ min: 1, max: 65535 }),
        (lines, defaultPort) => {
          const text = lines.join('\n');
          const { entries, problems } = parseServersFile(text, defaultPort);
          const lineCount = text.split('\n').length;
          for (const entry of entries) {
            assert.ok(entry.port >= 1 && entry.port <= 65535, `port ${entry.port}`);
            assert.ok(entry.line >= 1 && entry.line <= lineCount);
            assert.ok(entry.host.length > 0);
          }
          for (const problem of problems) {
            assert.ok(problem.line >= 1 && problem.line <= lineCount);
            assert.ok(problem.reason.length > 0);
          }
          const lineNumbers = [...entries.map((e) => e.line), ...problems.map((p) => p.line)];
          assert.ok(
            new Set(problems.map((p) => p.line)).size === problems.length,
            'one problem a line',
          );
          assert.ok(lineNumbers.every((n) => Number.isInteger(n)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
