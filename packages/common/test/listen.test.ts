import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { UserError, listen } from '../src/index.js';

describe('listen', () => {
  it('turns a port in use into one clear UserError', async () => {
    const first = createServer();
    await listen(first, '127.0.0.1', 0, 'test');
    const { port } = first.address() as AddressInfo;
    const second = createServer();
    await assert.rejects(listen(second, '127.0.0.1', port, 'replica'), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.match(
        error.message,
        new RegExp(`replica address 127.0.0.1:${port} is already in use`),
      );
      return true;
    });
    first.close();
  });
});
