import { Option, type Command } from 'commander';
import { durationArg, fractionArg, intArg } from '../config/cli.js';
import {
  FAULT_NAMES,
  FAULT_TABLE,
  type FaultName,
  type FaultUnit,
  type Faults,
} from './fault-table.js';

const PLACEHOLDER: Record<FaultUnit, string> = {
  duration: '<duration>',
  kibps: '<KBps>',
  fraction: '<0..1>',
};

const PARSER: Record<FaultUnit, (text: string) => number> = {
  duration: durationArg,
  kibps: intArg(0),
  fraction: fractionArg,
};

/** Where a command's fault options come from: `--<prefix><flag>`, and CDN_<ENV PREFIX>… if any. */
export interface FaultOptionStyle {
  /** "fault-" on the replica (--fault-delay), "" for `cdn-lab fault` (--delay). */
  prefix: string;
  /** Each flag also reads CDN_<envPrefix><FLAG>, e.g. CDN_FAULT_DELAY; absent: no variable. */
  envPrefix?: string;
  /** Put before each description ("fault: "). */
  describe?: string;
}

function optionOf(name: FaultName, style: FaultOptionStyle): Option {
  const { unit, flag, help } = FAULT_TABLE[name];
  const option = new Option(
    `--${style.prefix}${flag} ${PLACEHOLDER[unit]}`,
    `${style.describe ?? ''}${help}`,
  ).argParser(PARSER[unit]);
  if (style.envPrefix !== undefined) {
    option.env(`CDN_${style.envPrefix}${flag.replaceAll('-', '_').toUpperCase()}`);
  }
  return option;
}

/** Adds one option per fault in FAULT_TABLE. */
export function addFaultOptions(command: Command, style: FaultOptionStyle): Command {
  for (const name of FAULT_NAMES) command.addOption(optionOf(name, style));
  return command;
}

/** The faults given on the command line (or in the environment), by their API names. */
export function faultsFromOptions(opts: Record<string, unknown>, style: FaultOptionStyle): Faults {
  const faults: Faults = {};
  for (const name of FAULT_NAMES) {
    const value = opts[optionOf(name, style).attributeName()];
    if (typeof value === 'number') faults[name] = value;
  }
  return faults;
}
