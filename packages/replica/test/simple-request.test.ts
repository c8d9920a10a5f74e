import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readSimpleRequest } from '../src/http/fast/simple-request.js';

const LIMITS = { maxHeaderBytes: 1024, maxHeaders: 4 };
const read = (text: string): string =>
  readSimpleRequest(Buffer.from(text, 'latin1'), 0, LIMITS).kind;

describe('which request heads the fast path reads itself', () => {
  it('takes a plain GET with one Host, with or without harmless headers', () => {
    const head = 'GET /a/b.bin?x=1 HTTP/1.1\r\nHost: h\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n';
    const request = readSimpleRequest(Buffer.from(`${head}GET /next`, 'latin1'), 0, LIMITS);
    assert.deepEqual(request, {
      kind: 'simple',
      target: '/a/b.bin?x=1',
      end: head.length,
      via: null,
    });
    assert.equal(read('GET / HTTP/1.1\r\nhOsT: h\r\nConnection: Keep-Alive\r\n\r\n'), 'simple');
  });

  it('reads the second of two pipelined heads from where the first ended', () => {
    const first = 'GET /1 HTTP/1.1\r\nHost: h\r\n\r\n';
    const bytes = Buffer.from(`${first}GET /2 HTTP/1.1\r\nHost: h\r\n\r\n`, 'latin1');
    const second = readSimpleRequest(bytes, first.length, LIMITS);
    assert.deepEqual(second, { kind: 'simple', target: '/2', end: bytes.length, via: null });
  });

  it("takes a child cache's GET, with its Via lines for the loop check", () => {
    const head = 'GET /a HTTP/1.1\r\nHost: h\r\nVia: 1.1 e:1, 1.1 f:2 \r\nvia:1.1 g:3\r\n\r\n';
    const request = readSimpleRequest(Buffer.from(head, 'latin1'), 0, LIMITS);
    assert.deepEqual(request, {
      kind: 'simple',
      target: '/a',
      end: head.length,
      via: '1.1 e:1, 1.1 f:2, 1.1 g:3',
    });
  });

  it("leaves to Node's parser whatever could be answered otherwise than whole", () => {
    const cases: [string, string][] = [
      ['HEAD', 'HEAD /a HTTP/1.1\r\nHost: h\r\n\r\n'],
      ['POST', 'POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n'],
      ['HTTP/1.0', 'GET /a HTTP/1.0\r\nHost: h\r\n\r\n'],
      ['absolute-form', 'GET http://h/a HTTP/1.1\r\nHost: h\r\n\r\n'],
      ['no Host', 'GET /a HTTP/1.1\r\n\r\n'],
      ['two Hosts', 'GET /a HTTP/1.1\r\nHost: h\r\nHost: i\r\n\r\n'],
      ['Range', 'GET /a HTTP/1.1\r\nHost: h\r\nRange: bytes=0-1\r\n\r\n'],
      ['If-None-Match', 'GET /a HTTP/1.1\r\nHost: h\r\nIf-None-Match: "x"\r\n\r\n'],
      ['If-Modified-Since', 'GET /a HTTP/1.1\r\nHost: h\r\nif-modified-since: x\r\n\r\n'],
      ['a body', 'GET /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n'],
      ['Connection: close', 'GET /a HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n'],
      ['Upgrade', 'GET /a HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n'],
      ['a folded line', 'GET /a HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n 2\r\n\r\n'],
      ['a bare LF', 'GET /a HTTP/1.1\r\nHost: h\nX-A: 1\r\n\r\n'],
      ['a control byte', 'GET /a HTTP/1.1\r\nHost: h\r\nX-A: \u0001\r\n\r\n'],
      ['a space in the name', 'GET /a HTTP/1.1\r\nHost: h\r\nX A: 1\r\n\r\n'],
      ['no colon', 'GET /a HTTP/1.1\r\nHost: h\r\nX-A\r\n\r\n'],
      ['a space in the target', 'GET /a b HTTP/1.1\r\nHost: h\r\n\r\n'],
      ['too many fields', `GET /a HTTP/1.1\r\nHost: h\r\n${'X-A: 1\r\n'.repeat(4)}\r\n`],
      ['too many bytes', `GET /a HTTP/1.1\r\nHost: h\r\nX-A: ${'a'.repeat(1024)}\r\n\r\n`],
    ];
    for (const [what, text] of cases) assert.equal(read(text), 'general', what);
  });

  it('waits for the rest of a head cut across reads, unless it is already too long', () => {
    assert.equal(read('GET /a HTTP/1.1\r\nHost: h\r\n'), 'incomplete');
    assert.equal(read(`GET /a HTTP/1.1\r\nX-A: ${'a'.repeat(1100)}`), 'general');
  });
});
