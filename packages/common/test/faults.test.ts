import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import {
  FAULT_NAMES,
  activeFaultNames,
  addFaultOptions,
  faultsFromOptions,
  parseFaults,
} from '../src/index.js';

const REPLICA_STYLE = { prefix: 'fault-', envPrefix: 'FAULT_' };

function parse(argv: string[], style: { prefix: string; envPrefix?: string }): unknown {
  const command = addFaultOptions(
    new Command().exitOverride().configureOutput({ writeErr: () => undefined }),
    style,
  );
  command.parse(argv, { from: 'user' });
  return faultsFromOptions(command.opts(), style);
}

describe('the fault table', () => {
  it('gives the replica and cdn-lab the same faults, under their own flag spellings', () => {
    const argv = (prefix: string): string[] => [
      `--${prefix}delay`,
      '50ms',
      `--${prefix}jitter`,
      '1s',
      `--${prefix}bandwidth`,
      '64',
      `--${prefix}error-rate`,
      '0.5',
      `--${prefix}reset-rate`,
      '0.25',
      `--${prefix}probe-loss`,
      '1',
    ];
    const expected = {
      delayMs: 50,
      jitterMs: 1000,
      bandwidthKBps: 64,
      errorRate: 0.5,
      resetRate: 0.25,
      probeLoss: 1,
    };
    assert.deepEqual(parse(argv('fault-'), REPLICA_STYLE), expected);
    assert.deepEqual(parse(argv(''), { prefix: '' }), expected);
    assert.deepEqual(Object.keys(expected), [...FAULT_NAMES], 'every fault has a flag');
  });

  it('reads CDN_FAULT_* from the environment for the replica only', () => {
    process.env.CDN_FAULT_ERROR_RATE = '0.3';
    try {
      assert.deepEqual(parse([], REPLICA_STYLE), { errorRate: 0.3 });
      assert.deepEqual(parse([], { prefix: '' }), {});
    } finally {
      delete process.env.CDN_FAULT_ERROR_RATE;
    }
  });

  it('refuses out-of-range values on the command line and in the API alike', () => {
    assert.throws(() => parse(['--error-rate', '2'], { prefix: '' }), /0 to 1/);
    assert.throws(() => parse(['--fault-bandwidth', '-1'], REPLICA_STYLE), /whole number/);
    assert.throws(() => parseFaults({ errorRate: 2 }), /errorRate must be between 0 and 1/);
    assert.throws(() => parseFaults({ delayMs: -5 }), /delayMs must be a number of 0 or more/);
    assert.throws(() => parseFaults({ latency: 5 }), /unknown fault "latency"/);
    assert.deepEqual(parseFaults({ delayMs: null, probeLoss: 0.5 }), {
      delayMs: 0,
      probeLoss: 0.5,
    });
    assert.deepEqual(activeFaultNames({ delayMs: 0, probeLoss: 0.5 }), ['probeLoss']);
  });
});
