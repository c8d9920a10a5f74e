import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { download } from '@cdn-lab/client';
import { readManifest } from '@cdn-lab/origin';
import { LAB_DEFAULTS } from '../src/lab-options.js';
import { startLab } from '../src/lab.js';
import { sha256OfFile, tempDir } from './helpers.js';

describe('the whole path: origin → replica → client, through the balancer', () => {
  it('delivers every demo object byte for byte, and the default object', async (t) => {
    const dir = await tempDir(t);
    const lab = await startLab({
      ...LAB_DEFAULTS,
      dir,
      replicas: 3,
      port: 0,
      originPort: 0,
      replicaNetwork: '127.0.3',
      adminPort: 0,
      strategy: undefined,
      maxObjectBytes: 10 * 1024 * 1024,
      onLine: () => undefined,
    });
    t.after(() => lab.stop());
    const balancer = { host: lab.balancer.ready.host, port: lab.balancer.ready.port };
    const manifest = await readManifest(lab.siteDir);
    assert.ok(manifest.objects.length >= 8, 'the demo site has pages and objects');

    const servedBy = new Set<string>();
    for (const object of manifest.objects) {
      const output = join(dir, `got-${object.path.replaceAll('/', '_')}`);
      const result = await download({ balancer, path: object.path, sink: output });
      assert.equal(result.size, object.size, object.path);
      assert.equal(result.sha256, object.sha256, object.path);
      assert.equal(await sha256OfFile(output), object.sha256, object.path);
      result.servedBy.forEach((id) => servedBy.add(id));
    }
    assert.ok(servedBy.size >= 2, `routes spread over replicas: ${[...servedBy].join(', ')}`);

    const page = join(dir, 'website.html');
    await download({ balancer, path: null, sink: page });
    assert.deepEqual(await readFile(page), await readFile(join(lab.siteDir, 'index.html')));
  });
});
