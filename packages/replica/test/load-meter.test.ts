import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoadMeter } from '../src/server/load-meter.js';

describe('load meter response time', () => {
  it('is 0 before any request, then follows the samples', () => {
    const meter = new LoadMeter();
    try {
      assert.equal(meter.responseMs(0), 0);
      meter.recordResponse(50, 1000);
      assert.equal(meter.responseMs(1000), 50);
      meter.recordResponse(0, 1000);
      assert.ok(meter.responseMs(1000) < 50 && meter.responseMs(1000) > 0);
    } finally {
      meter.stop();
    }
  });

  it('fades while no request comes, so an idle slow replica is tried again', () => {
    const meter = new LoadMeter();
    try {
      meter.recordResponse(50, 1000);
      assert.ok(meter.responseMs(3000) < 50 / 2);
      assert.ok(meter.responseMs(30_000) < 0.01);
    } finally {
      meter.stop();
    }
  });
});
