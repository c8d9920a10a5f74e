import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { objectKey, type QueryPolicy } from '@cdn-lab/common';
import { normalizeObjectPath } from '../src/index.js';
import { originUrlFor } from '../src/cache/object-path.js';
import { RequestError } from '../src/request/request-error.js';
import { setup } from './harness.js';
import { rawHttp } from './http-helpers.js';

const ORIGIN = new URL('http://127.0.0.1:8080/site/');

/** Paths built from pieces that matter for traversal, plus arbitrary text. */
const pathish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '/',
        '..',
        '.',
        '%2e',
        '%2E',
        '%2f',
        '%5c',
        '%00',
        '\\',
        '\0',
        '?',
        '#',
        '//',
        'a',
        'b.txt',
        '@',
        ':',
        'http:',
      ),
      fc.string({ maxLength: 6 }),
    ),
    { maxLength: 12 },
  )
  .map((pieces) => pieces.join(''));

describe('fuzz: replica path handling', () => {
  it('either refuses with bad_request, or yields a path that stays under the origin root', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          pathish,
          pathish.map((p) => `/${p}`),
        ),
        (raw) => {
          let path: string;
          try {
            path = normalizeObjectPath(raw);
          } catch (error) {
            assert.ok(error instanceof RequestError, String(error));
            assert.equal(error.code, 'bad_request');
            return;
          }
          assert.ok(path.startsWith('/'));
          assert.equal(normalizeObjectPath(path), path, 'normalising twice changes nothing');
          let url: URL;
          try {
            url = new URL(originUrlFor(ORIGIN, path));
          } catch (error) {
            assert.ok(error instanceof RequestError && error.code === 'bad_request');
            return;
          }
          assert.equal(url.origin, ORIGIN.origin, `${raw} -> ${url.href}`);
          assert.ok(url.pathname.startsWith('/site/'), `${raw} -> ${url.pathname}`);
          assert.ok(!url.pathname.split('/').includes('..'));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('asks the origin for exactly the object key the balancer hashes, for any accepted path', () => {
    const policies: QueryPolicy[] = [
      { kind: 'keep' },
      { kind: 'ignore' },
      { kind: 'allow', names: ['a', 'b.txt'] },
    ];
    // Characters a URL encodes, escapes of unreserved ones, in both cases.
    const encodable = fc
      .array(fc.constantFrom('é', ' ', '"', '{', '|', '%c3%a9', '%7e', '%7E', '%41', '?', '&', '='))
      .map((pieces) => `/${pieces.join('')}`);
    fc.assert(
      fc.property(
        fc.oneof(
          pathish.map((p) => `/${p}`),
          encodable,
        ),
        fc.constantFrom(...policies),
        (raw, policy) => {
          let url: URL;
          try {
            url = new URL(originUrlFor(ORIGIN, normalizeObjectPath(raw, policy)));
          } catch (error) {
            assert.ok(error instanceof RequestError && error.code === 'bad_request');
            return;
          }
          const asked = `${url.pathname.slice(ORIGIN.pathname.length - 1)}${url.search}`;
          assert.equal(asked, objectKey(raw, policy), raw);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('answers any HTTP request target with a status line, and asks the origin only inside its tree', async (t) => {
    const { origin, replica } = await setup(t);
    origin.put('/a', Buffer.from('a'));
    const visible = pathish.map((p) =>
      [...p].filter((c) => c.charCodeAt(0) > 0x20 && c.charCodeAt(0) !== 0x7f).join(''),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          visible,
          visible.map((p) => `/${p}`),
        ),
        async (target) => {
          const answer = await rawHttp(
            replica.endpoint.port,
            `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
          );
          assert.match(answer.text, /^HTTP\/1\.1 \d{3} /, JSON.stringify(target));
        },
      ),
      { numRuns: 150 },
    );
    for (const request of origin.requests) {
      assert.ok(request.path.startsWith('/'), request.path);
      const segments = request.path.split('?')[0]?.split('/') ?? [];
      assert.ok(!segments.some((s) => /^(\.|%2e){2}$/i.test(s)), request.path);
    }
  });
});
