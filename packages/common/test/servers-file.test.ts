import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseServersFile } from '../src/index.js';

describe('parseServersFile', () => {
  it('reads every accepted form, skipping blanks and comments, with the default port', () => {
    const text = [
      '# replicas of the lab',
      '',
      '127.0.1.1',
      '127.0.1.2:9100   # trailing comment',
      'replica',
      'edge-1.example.test:9200',
      '[::1]:9300',
      '::1',
      '[fe80::1]',
      '   ',
    ].join('\n');
    const { entries, problems } = parseServersFile(text, 9000);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      entries.map(({ host, port, line }) => [host, port, line]),
      [
        ['127.0.1.1', 9000, 3],
        ['127.0.1.2', 9100, 4],
        ['replica', 9000, 5],
        ['edge-1.example.test', 9200, 6],
        ['::1', 9300, 7],
        ['::1', 9000, 8],
        ['fe80::1', 9000, 9],
      ],
    );
  });

  it('reports each bad line with its number and reason, and still loads the rest', () => {
    const text = [
      '127.0.1.1',
      '127.0.1.2:99999',
      'two words',
      '[::1',
      '[not-v6]:9000',
      '127.0.0.1:80:90',
      'bad_host!',
      'host:',
      '127.0.1.3:9001',
    ].join('\r\n');
    const { entries, problems } = parseServersFile(text, 9000);
    assert.deepEqual(
      entries.map((e) => `${e.host}:${e.port}`),
      ['127.0.1.1:9000', '127.0.1.3:9001'],
    );
    assert.deepEqual(
      problems.map((p) => p.line),
      [2, 3, 4, 5, 6, 7, 8],
    );
    assert.match(problems[0]?.reason ?? '', /not a port/);
    assert.match(problems[2]?.reason ?? '', /must close with "]"/);
    assert.equal(problems[1]?.text, 'two words');
  });
});
