import { addressValue, cidrContains, type Cidr } from './cidr.js';

/** One line of a coverage zone: a client address range and the region its clients are in. */
export interface ZoneEntry {
  cidr: Cidr;
  region: string;
}

export interface ZoneMatch {
  region: string;
  /** The range that matched (the longest prefix holding the address). */
  cidr: string;
}

/**
 * Client address → region, by the longest prefix that holds it (as Traffic Router's coverage
 * zone file does). Entries are few (a handful per region), so a scan in prefix order is enough.
 */
export class CoverageZone {
  private readonly entries: ZoneEntry[];

  constructor(entries: readonly ZoneEntry[]) {
    this.entries = [...entries].sort((a, b) => b.cidr.prefix - a.cidr.prefix);
  }

  match(address: string): ZoneMatch | null {
    const parsed = addressValue(address);
    if (!parsed) return null;
    for (const entry of this.entries) {
      if (cidrContains(entry.cidr, parsed.family, parsed.value)) {
        return { region: entry.region, cidr: entry.cidr.text };
      }
    }
    return null;
  }

  get size(): number {
    return this.entries.length;
  }
}
