import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseRouteTarget } from '../src/index.js';

describe('fuzz: balancer HTTP request targets', () => {
  it('never throws; a target not starting with "/" is refused, others keep their path', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 80 }),
        fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
        (target, accept) => {
          const parsed = parseRouteTarget(target, accept);
          if (!target.startsWith('/')) {
            assert.equal(parsed, null);
            return;
          }
          assert.ok(parsed);
          assert.ok(parsed.path.startsWith('/'));
          const pathname = target.split('?')[0] ?? '';
          assert.equal(parsed.path.split('?')[0], pathname);
          const kept = parsed.path.slice(pathname.length + 1).split('&');
          assert.ok(!kept.includes('format=json'), 'format=json is removed from the routed path');
        },
      ),
      { numRuns: 500 },
    );
  });
});
