import { UserError, endpointId, parseServersFile } from '@cdn-lab/common';
import type { AdvertisedAddress } from '@cdn-lab/protocol';

const EXAMPLE = 'e.g. 203.0.113.7:9100, node1.example:9100 or [2001:db8::7]:9100';

/**
 * `--advertise HOST:PORT`: where clients outside the replica's network reach it. Written like a
 * servers.txt line (the same parser, so the two never disagree), but the port is required.
 */
export function parseAdvertise(text: string): AdvertisedAddress {
  const bad = (why: string): UserError =>
    new UserError(`--advertise "${text}": ${why}; write HOST:PORT (${EXAMPLE})`, 2);
  // A servers.txt line could hold a comment or be blank; an address cannot.
  if (text.trim() === '' || /[\s#]/.test(text)) throw bad('not an address');
  const { entries, problems } = parseServersFile(text, 0);
  const [problem] = problems;
  if (problem) throw bad(problem.reason);
  const [entry] = entries;
  if (!entry) throw bad('not an address');
  if (entry.port === 0) throw bad('the port is missing');
  return { host: entry.host, port: entry.port };
}

/** The setting as given (text or already parsed), checked; null: the replica advertises nothing. */
export function advertisedOf(given: string | AdvertisedAddress | null): AdvertisedAddress | null {
  if (given === null) return null;
  return parseAdvertise(typeof given === 'string' ? given : endpointId(given.host, given.port));
}
