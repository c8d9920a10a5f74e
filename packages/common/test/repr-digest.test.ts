import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { formatReprDigest, parseReprDigest } from '../src/index.js';

const HELLO = createHash('sha256').update('hello').digest('hex');

test('Repr-Digest: formats sha-256 as a byte sequence and reads it back', () => {
  const header = formatReprDigest(HELLO);
  assert.equal(header, 'sha-256=:LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=:');
  assert.equal(parseReprDigest(header), HELLO);
});

test('Repr-Digest: finds sha-256 among other algorithms and parameters, ignores the rest', () => {
  const b64 = Buffer.from(HELLO, 'hex').toString('base64');
  assert.equal(parseReprDigest(`sha-512=:AAAA:, sha-256=:${b64}:`), HELLO);
  assert.equal(parseReprDigest(`sha-256=:${b64}:;p=1`), HELLO);
  assert.equal(parseReprDigest(['unixsum=:AA==:', `sha-256=:${b64}:`]), HELLO);
  assert.equal(parseReprDigest(undefined), null);
  assert.equal(parseReprDigest('sha-256=:AAAA:'), null, 'not 32 bytes');
  assert.equal(parseReprDigest(`sha-256=${HELLO}`), null, 'not a byte sequence');
  assert.equal(parseReprDigest('md5=:XUFAKrxLKna5cZ2REBfFkg==:'), null);
});
