import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentTypeFor, knownContentType } from '../src/index.js';

describe('content types', () => {
  it('come from the extension of a file name or a path, whatever the case or query', () => {
    assert.equal(contentTypeFor('index.html'), 'text/html; charset=utf-8');
    assert.equal(contentTypeFor('/pages/Page.HTML?v=2'), 'text/html; charset=utf-8');
    assert.equal(contentTypeFor('/objects/1k.bin'), 'application/octet-stream');
    assert.equal(contentTypeFor('/data/manifest.json'), 'application/json; charset=utf-8');
  });

  it('are plain bytes for an unknown extension, which knownContentType says is unknown', () => {
    assert.equal(contentTypeFor('/a/b.qqq'), 'application/octet-stream');
    assert.equal(knownContentType('/a/b.qqq'), null);
    assert.equal(knownContentType('noextension'), null);
  });
});
