export * from './constants.js';
export * from './errors.js';
export * from './messages.js';
export { encodeFrameHeader, encodeMessage, encodeMessages } from './codec.js';
export type { ControlMessage } from './payload-json.js';
export { FrameDecoder, encodePreamble, type DecodeResult } from './decoder.js';
export { sniffDialect, type Dialect, type SniffResult } from './sniff.js';
export {
  LEGACY_CLIENT_ISN,
  LEGACY_HEADER_LENGTH,
  LEGACY_MAX_PACKET,
  LEGACY_MAX_PAYLOAD,
  LEGACY_NO_SERVER,
  LegacyFlag,
  LegacyHeaderReader,
  decodeLegacyPacket,
  encodeLegacyPacket,
  hasLegacyFlags,
  nextLegacySeq,
  type LegacyPacket,
  type LegacyReadResult,
} from './legacy.js';
