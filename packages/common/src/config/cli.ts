import { Command, InvalidArgumentError, Option } from 'commander';
import { existsSync } from 'node:fs';
import { config as loadDotenv } from 'dotenv';
import { formatQueryPolicy, parseQueryPolicy } from '../object-key.js';
import { parseRequestLogPolicy } from '../logging/request-log-gate.js';
import { parseBytes, parseDuration } from './units.js';
import { UserError } from './user-error.js';

/** Wraps a unit parser so commander reports bad values as "option '-p' argument … is invalid". */
function asOptionParser<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
    }
  };
}

export const portArg = asOptionParser((text) => {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error('a port is a whole number from 1 to 65535 (0 picks a free one)');
  }
  return port;
});

export function intArg(min: number, max = Number.MAX_SAFE_INTEGER): (text: string) => number {
  return asOptionParser((text) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`expected a whole number from ${min} to ${max}`);
    }
    return value;
  });
}

export const fractionArg = asOptionParser((text) => {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new Error('expected 0 to 1');
  return value;
});

export const bytesArg = asOptionParser(parseBytes);
/** A duration ("250ms", "2s") in milliseconds; a bare number is milliseconds. */
export const durationArg = asOptionParser((text) => parseDuration(text, 'ms'));
/** A duration ("250ms", "2s") in milliseconds; a bare number is seconds. */
export const durationDefaultSecondsArg = asOptionParser((text) => parseDuration(text, 's'));

/** A query policy (`keep`, `ignore`, `allow=a,b`), checked, in its canonical words. */
export const queryPolicyArg = asOptionParser((text) => formatQueryPolicy(parseQueryPolicy(text)));

/** A request log policy (`all`, `off`, N a second), checked, as given. */
export const requestLogPolicyArg = asOptionParser((text) => {
  parseRequestLogPolicy(text);
  return text;
});

/** An option that falls back to the environment variable `CDN_<NAME>` (and so to .env). */
export function envOption(flags: string, description: string, envName: string): Option {
  return new Option(flags, description).env(`CDN_${envName}`);
}

/**
 * Loads `.env` from the working directory (values already in the environment win), so the
 * precedence is: flags, then environment, then .env, then defaults.
 */
export function loadEnvFile(): void {
  if (existsSync('.env')) loadDotenv({ path: '.env', quiet: true });
}

/** A commander program with the project's conventions: errors on stderr, exit code 2. */
export function newProgram(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .configureOutput({
      // One line: what was wrong, and where to look.
      outputError: (text, write) =>
        write(`${name}: ${text.replace(/^error: /, '').trim()} (see ${name} --help)\n`),
    })
    .exitOverride((error) => {
      process.exit(error.exitCode === 0 ? 0 : 2);
    });
}

/** Runs a CLI's main, turning UserErrors into one line and an exit code, never a stack trace. */
export async function runMain(name: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof UserError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exit(error.exitCode);
    }
    process.stderr.write(`${name}: internal error, please report it:\n`);
    throw error;
  }
}
