import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '@cdn-lab/common';
import {
  TargetResolver,
  normalizeObjectPath,
  parseOriginUrl,
  resolveDefaultObject,
} from '../src/cache/object-path.js';
import { RequestError } from '../src/request/request-error.js';

describe('object paths', () => {
  it('normalizes slashes and dot segments, keeping a trailing slash and the query', () => {
    assert.equal(normalizeObjectPath('//a///b/./c'), '/a/b/c');
    assert.equal(normalizeObjectPath('/dir/'), '/dir/');
    assert.equal(normalizeObjectPath('/'), '/');
    assert.equal(normalizeObjectPath('/a/%2E/b?x=1/../y'), '/a/b?x=1/../y');
    assert.equal(normalizeObjectPath('/a#b'), '/a%23b');
  });

  it('refuses parent segments (also percent-encoded), backslashes and NUL', () => {
    for (const path of ['/..', '/a/../b', '/a/%2e%2E/b', '/a/.%2e', '/a\\..\\b', '/a\0b']) {
      assert.throws(
        () => normalizeObjectPath(path),
        (error: unknown) => error instanceof RequestError && error.code === 'bad_request',
        path,
      );
    }
  });

  it('refuses a parent segment the URL parser would make of trailing spaces', () => {
    // fast-check found "/.. ": the parser drops the space, and "/site/.." is "/".
    assert.throws(() => normalizeObjectPath('/.. '), /must not contain "\.\." segments/);
    assert.throws(() => normalizeObjectPath('/a/%2e%2E   '), /must not contain "\.\." segments/);
    assert.equal(normalizeObjectPath('/a b '), '/a b ');
  });

  it('appends the path to the origin URL, including its own path', () => {
    const resolver = new TargetResolver(parseOriginUrl('http://127.0.0.1:8080/site/'), null);
    assert.deepEqual(resolver.resolve('/a b.bin'), {
      path: '/a b.bin',
      url: 'http://127.0.0.1:8080/site/a%20b.bin',
    });
  });

  it('resolves the default object as a URL or as a path under the origin', () => {
    const origin = parseOriginUrl('http://127.0.0.1:8080');
    assert.deepEqual(resolveDefaultObject('/index.html', origin), {
      path: '/index.html',
      url: 'http://127.0.0.1:8080/index.html',
    });
    assert.deepEqual(resolveDefaultObject('https://example.test/p/q.html', null), {
      path: '/p/q.html',
      url: 'https://example.test/p/q.html',
    });
    assert.throws(() => resolveDefaultObject('index.html', null), UserError);
    assert.throws(() => parseOriginUrl('http://h/?q=1'), UserError);
  });
});
