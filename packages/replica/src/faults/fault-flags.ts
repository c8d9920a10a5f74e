import type { Command } from 'commander';
import { durationArg, envOption, fractionArg, intArg } from '@cdn-lab/common';
import type { Faults } from './faults.js';

export interface FaultFlags {
  faultDelay?: number;
  faultJitter?: number;
  faultBandwidth?: number;
  faultErrorRate?: number;
  faultResetRate?: number;
  faultProbeLoss?: number;
}

/** --fault-* flags (env CDN_FAULT_*): faults in force from the start. */
export function addFaultOptions(program: Command): Command {
  return program
    .addOption(
      envOption(
        '--fault-delay <duration>',
        'fault: delay before each answer',
        'FAULT_DELAY',
      ).argParser(durationArg),
    )
    .addOption(
      envOption(
        '--fault-jitter <duration>',
        'fault: plus a random 0..this',
        'FAULT_JITTER',
      ).argParser(durationArg),
    )
    .addOption(
      envOption(
        '--fault-bandwidth <KBps>',
        'fault: cap each transfer (KiB/s)',
        'FAULT_BANDWIDTH',
      ).argParser(intArg(1)),
    )
    .addOption(
      envOption(
        '--fault-error-rate <0..1>',
        'fault: fraction of requests answered with an error',
        'FAULT_ERROR_RATE',
      ).argParser(fractionArg),
    )
    .addOption(
      envOption(
        '--fault-reset-rate <0..1>',
        'fault: fraction of transfers cut partway',
        'FAULT_RESET_RATE',
      ).argParser(fractionArg),
    )
    .addOption(
      envOption(
        '--fault-probe-loss <0..1>',
        'fault: fraction of probes ignored',
        'FAULT_PROBE_LOSS',
      ).argParser(fractionArg),
    );
}

export function faultsOf(flags: FaultFlags): Faults {
  return {
    delayMs: flags.faultDelay,
    jitterMs: flags.faultJitter,
    bandwidthKBps: flags.faultBandwidth,
    errorRate: flags.faultErrorRate,
    resetRate: flags.faultResetRate,
    probeLoss: flags.faultProbeLoss,
  };
}
