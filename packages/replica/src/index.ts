export { startReplica } from './start-replica.js';
export type { ReplicaHandle, ReplicaStatus } from './replica-handle.js';
export type { ReplicaOptions, ResolvedReplicaOptions } from './options.js';
export { DEFAULTS as REPLICA_DEFAULTS, resolveReplicaOptions } from './options.js';
export { normalizeObjectPath } from './cache/object-path.js';
export type { Faults, FaultName } from '@cdn-lab/common';
export { FaultInjector, INJECTED_ERROR } from './faults/fault-injector.js';
export type { CacheCounters } from './cache/object-store.js';
export type * from './replica-events.js';
export {
  MAX_ORIGIN_REDIRECTS,
  ORIGIN_REDIRECT_POLICIES,
  redirectDecision,
  type OriginRedirectPolicy,
} from './cache/origin-redirects.js';
