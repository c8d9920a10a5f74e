import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { runLoad } from '@cdn-lab/client';
import { attachment, docker, serviceContainers } from './docker.js';
import { LAB_PORT, startLab, type Lab, type LabFile } from './lab.js';
import { originManifest, type ManifestObject } from './manifest.js';

/** The flat lab with the shield override: replicas are edges whose parents are `shield`. */
const SHIELD_LAB: LabFile = {
  files: ['docker-compose.yml', 'docker-compose.shield.yml'],
  project: 'cdnlab-e2e-shield',
  services: ['origin', 'shield', 'replica', 'balancer'],
};
const NETWORK = `${SHIELD_LAB.project}_cdn`;

let lab: Lab;
let manifest: ManifestObject[];

/** Each running container of a service as `address:port` on the lab network, with its id. */
async function members(service: string): Promise<{ container: string; id: string }[]> {
  const containers = await serviceContainers(SHIELD_LAB.project, service);
  return Promise.all(
    containers.map(async (container) => ({
      container,
      id: `${(await attachment(container, NETWORK)).ip}:${LAB_PORT}`,
    })),
  );
}

/** GET through one edge over HTTP (the test runs on the Docker host, which reaches the network). */
async function viaEdge(edge: string, path: string): Promise<{ xCache: string; sha256: string }> {
  const response = await fetch(`http://${edge}${path}`);
  assert.equal(response.status, 200, `${path} through ${edge}`);
  const body = Buffer.from(await response.arrayBuffer());
  return {
    xCache: response.headers.get('x-cache') ?? '',
    sha256: createHash('sha256').update(body).digest('hex'),
  };
}

function sha256Of(path: string): string {
  const object = manifest.find((entry) => entry.path === path.split('?')[0]);
  assert.ok(object, `${path} is in the manifest`);
  return object.sha256;
}

describe('the Compose lab with a shield tier (docker-compose.shield.yml)', () => {
  before(
    async () => {
      lab = await startLab(
        {
          COMPOSE_PROJECT_NAME: SHIELD_LAB.project,
          LAB_REPLICAS: '2',
          LAB_SHIELDS: '2',
          CDN_ORIGIN_MAX_OBJECT_BYTES: '1MiB',
        },
        SHIELD_LAB,
      );
      const [origin] = await serviceContainers(SHIELD_LAB.project, 'origin');
      manifest = await originManifest(origin ?? '');
    },
    { timeout: 600_000 },
  );

  after(async () => {
    await lab?.down();
  });

  test("an edge's miss comes through a shield container (its DNS name expanded), then is a hit", async () => {
    const shields = (await members('shield')).map((shield) => shield.id);
    assert.equal(shields.length, 2);
    const [edge] = await members('replica');
    assert.ok(edge);
    const first = await viaEdge(edge.id, '/pages/about.html');
    assert.equal(first.sha256, sha256Of('/pages/about.html'));
    const parent = /^miss; parent=(\S+) \(miss\)$/.exec(first.xCache)?.[1];
    assert.ok(parent && shields.includes(parent), `X-Cache "${first.xCache}"; shields ${shields}`);
    assert.equal((await viaEdge(edge.id, '/pages/about.html')).xCache, 'hit');
  });

  test('one shield container killed during a load: 0 failed downloads, the other shield answers', async () => {
    const [victim, survivor] = await members('shield');
    assert.ok(victim && survivor);
    const kills: Promise<string>[] = [];
    // Each path a new object (the query is part of its key), so the edges keep asking shields.
    const paths = Array.from({ length: 30 }, (_, i) =>
      i % 3 === 0 ? `/objects/1m.bin?e2e=${i}` : `/objects/100k.bin?e2e=${i}`,
    );
    const report = await runLoad({
      balancer: lab.balancer,
      paths,
      requests: 60,
      concurrency: 6,
      onProgress: ({ done }) => {
        if (done === 6) kills.push(docker('kill', victim.container));
      },
    });
    assert.equal(kills.length, 1, 'the shield was killed during the load');
    await Promise.all(kills);
    assert.equal(report.failed, 0, JSON.stringify(report.errorsByCode));
    assert.equal(report.ok, 60);

    for (const edge of await members('replica')) {
      for (let i = 0; i < 4; i += 1) {
        const path = `/objects/10k.bin?after=${i}-${edge.container}`;
        const answer = await viaEdge(edge.id, path);
        assert.equal(answer.sha256, sha256Of(path));
        assert.ok(
          answer.xCache.startsWith(`miss; parent=${survivor.id} `),
          `${path}: "${answer.xCache}" (the surviving shield is ${survivor.id})`,
        );
      }
    }
  });
});
