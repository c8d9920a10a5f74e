export { ClientError, RETRYABLE_REPLICA_CODES, type ClientErrorCode } from './errors.js';
export { ConnectionFailure, FrameConnection, type FailureKind } from './connection.js';
export {
  BalancerSession,
  DEFAULT_TIMEOUT_MS,
  requestRoute,
  type BalancerAddress,
  type RouteOptions,
  type Router,
} from './route.js';
export {
  DEFAULT_MAX_ROUTE_ATTEMPTS,
  download,
  type DownloadOptions,
  type DownloadProgress,
  type DownloadResult,
} from './download.js';
export { openSink, tempPathFor, type Sink, type SinkTarget } from './sink.js';
export {
  runLoad,
  type LoadOptions,
  type LoadProgress,
  type LoadReport,
  type LoadRequestOutcome,
} from './load.js';
export { percentile, summarizeLatency, type LatencySummary } from './stats.js';
export { formatDownload, formatReport } from './report.js';
export { openBar, type TerminalBar } from './progress-bar.js';
export { DEFAULT_OUTPUT, defaultOutputName } from './output-name.js';
export { parsePathsFile, readPathsFile } from './paths-file.js';
export { LOOPBACK_SPREAD, bindRegion, type RegionBinding } from './region-binding.js';
