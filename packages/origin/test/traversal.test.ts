import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startOrigin, type OriginHandle } from '../src/index.js';
import { rawGet, tempDir } from './helpers.js';

const SECRET = 'SECRET-OUTSIDE-THE-ROOT';

// Layout: BASE/secret.txt (must never be served), BASE/site/ (the root).
async function startTraversalOrigin(): Promise<OriginHandle> {
  const base = await tempDir();
  const root = join(base, 'site');
  await mkdir(join(root, 'a'), { recursive: true });
  await writeFile(join(base, 'secret.txt'), SECRET);
  await writeFile(join(root, 'inside.txt'), 'inside');
  await writeFile(join(root, 'x'), 'x inside');
  await symlink(join(base, 'secret.txt'), join(root, 'link-out.txt'));
  return startOrigin({ root, port: 0 });
}

const origin = await startTraversalOrigin();
after(() => origin.close());

test('the raw client sees a file inside the root (control)', async () => {
  const reply = await rawGet(origin.port, '/inside.txt');
  assert.equal(reply.status, 200);
  assert.equal(reply.body.toString(), 'inside');
});

const ESCAPES = [
  '/../etc/passwd',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/..%2f..%2fetc',
  '/a\\..\\..\\x',
  '/%00',
  '/inside.txt%00.html',
  'http://other.host/x',
  '/../secret.txt',
  '/a/../../secret.txt',
  '/%2e%2e/secret.txt',
  '/%2E%2E%2Fsecret.txt',
  '/..%5csecret.txt',
  '/a/..%2f..%2fsecret.txt',
  '//../secret.txt',
  '/link-out.txt',
  '/%zz',
];

for (const target of ESCAPES) {
  test(`${JSON.stringify(target)} is refused without reaching outside the root`, async () => {
    const reply = await rawGet(origin.port, target);
    assert.ok([400, 404].includes(reply.status), `status ${reply.status}`);
    const body = reply.body.toString('latin1');
    assert.ok(!body.includes(SECRET), 'the secret outside the root is not sent');
    assert.ok(!/root:.*:0:0:/.test(body), '/etc/passwd is not sent');
  });
}
