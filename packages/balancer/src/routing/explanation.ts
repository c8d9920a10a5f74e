import type { ZoneMatch } from '@cdn-lab/common';
import type { Endpoint } from '@cdn-lab/protocol';
import type { PlacementRule } from '../regions/placement.js';
import type { StrategyName } from '../strategies/index.js';

export interface ExplainedReplica extends Endpoint {
  region: string | null;
  /** The replica's own id, when the client is given the address it advertises instead. */
  replica?: string;
}

/** GET /explain's answer: which replica a client would get for a path, and why. */
export interface Explanation {
  client: string;
  path: string;
  /** The region hint asked about; null: none. */
  hint: string | null;
  /** The coverage zone holding the client's address; null: none, or no topology. */
  zone: ZoneMatch | null;
  /** The region the client is placed in; null without a topology. */
  region: string | null;
  /** Which rule placed it; null without a topology. */
  rule: PlacementRule | null;
  strategy: StrategyName;
  /** null: no replica is up for it. */
  best: ExplainedReplica | null;
  alternates: ExplainedReplica[];
  reason: string;
  /**
   * The balancer's subnet the client arrives on (null: none of its interfaces'), which decides
   * who is given an advertised address. Absent: no replica advertises one; nobody is.
   */
  subnet?: string | null;
}
