import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setup } from './harness.js';
import { rawHttp } from './http-helpers.js';
import { TestClient } from './test-client.js';
import { bytesOf } from './test-origin.js';

/** Each way a request could try to leave the origin's tree or reach another host. */
const ESCAPES: [string, string][] = [
  ['a parent segment', '/a/../../secret.txt'],
  ['a leading parent segment', '/../secret.txt'],
  ['percent-encoded dots', '/%2e%2e/secret.txt'],
  ['mixed-case encoded dots', '/a/%2E%2e/secret.txt'],
  ['half-encoded dots', '/a/.%2e/secret.txt'],
  ['an encoded slash', '/..%2fsecret.txt'],
  ['an encoded backslash', '/..%5csecret.txt'],
  ['a backslash', '/a\\..\\..\\secret.txt'],
  ['an encoded NUL', '/inside.txt%00.html'],
  ['a scheme-relative URL', '//other.host/../secret.txt'],
];

describe('paths never leave the origin tree', () => {
  for (const [what, path] of ESCAPES) {
    it(`HTTP: ${what} (${JSON.stringify(path)}) is a 400 and the origin is never asked`, async (t) => {
      const { origin, replica } = await setup(t);
      origin.put('/inside.txt', bytesOf(10));
      const answer = await rawHttp(
        replica.endpoint.port,
        `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      assert.match(answer.text, /^HTTP\/1\.1 400 /);
      assert.equal(origin.requests.length, 0);
    });

    it(`native: ${what} is refused with a typed error and the origin is never asked`, async (t) => {
      const { origin, replica } = await setup(t);
      const c = await TestClient.connect(replica.endpoint.port);
      t.after(() => c.close());
      const answer = await c.get(path);
      assert.ok('type' in answer && answer.type === 'error');
      assert.ok(['bad_request', 'bad_message'].includes(answer.code), answer.code);
      assert.equal(origin.requests.length, 0);
    });
  }

  it('HTTP: an absolute-form target naming another host is served from this origin only', async (t) => {
    // RFC 9112 makes servers accept absolute-form; only its path is used, never its host.
    const { origin, replica } = await setup(t);
    const answer = await rawHttp(
      replica.endpoint.port,
      'GET http://other.host/secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    assert.match(answer.text, /^HTTP\/1\.1 404 /);
    assert.deepEqual(
      origin.requests.map((request) => request.path),
      ['/secret.txt'],
    );
  });

  it('native: an absolute URL is refused by the decoder (paths must start with "/")', async (t) => {
    const { origin, replica } = await setup(t);
    const c = await TestClient.connect(replica.endpoint.port);
    t.after(() => c.close());
    const answer = await c.get('http://other.host/secret.txt');
    assert.ok('type' in answer && answer.code === 'bad_message');
    assert.equal(origin.requests.length, 0);
  });

  it('a NUL byte in a native path is refused (control)', async (t) => {
    const { origin, client } = await setup(t);
    const answer = await (await client()).get('/inside.txt\0.html');
    assert.ok('type' in answer && answer.code === 'bad_request');
    assert.equal(origin.requests.length, 0);
  });

  it('a plain path inside the tree is fetched (control)', async (t) => {
    const { origin, client } = await setup(t);
    origin.put('/inside.txt', bytesOf(10));
    const fetched = await (await client()).fetch('/inside.txt');
    assert.equal(fetched.bytes.length, 10);
    assert.equal(origin.requests.length, 1);
  });
});
