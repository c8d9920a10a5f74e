export * from './constants.js';
export * from './errors.js';
export * from './messages.js';
export { encodeFrameHeader, encodeMessage } from './codec.js';
export { FrameDecoder, encodePreamble, type DecodeResult } from './decoder.js';
export { sniffDialect, type Dialect, type SniffResult } from './sniff.js';
