/** The 4 bytes a native client sends first, followed by one version byte. */
export const MAGIC = Buffer.from('CDNL', 'ascii');
export const PROTOCOL_VERSION = 1;
export const PREAMBLE_LENGTH = MAGIC.length + 1;

/** Every frame: u32 big-endian payload length, u8 type, payload. */
export const FRAME_HEADER_LENGTH = 5;

export const FrameType = {
  Route: 0x01,
  RouteOk: 0x02,
  Get: 0x03,
  Object: 0x04,
  Data: 0x05,
  End: 0x06,
  Ping: 0x07,
  Pong: 0x08,
  Error: 0x0f,
} as const;
export type FrameTypeCode = (typeof FrameType)[keyof typeof FrameType];

const KiB = 1024;

/** Control frames carry small JSON objects; data frames carry raw bytes. */
export const MAX_CONTROL_PAYLOAD = 16 * KiB;
export const MAX_DATA_PAYLOAD = 1024 * KiB;
export const MAX_PATH_LENGTH = 4 * KiB;

export function maxPayloadFor(type: FrameTypeCode): number {
  return type === FrameType.Data ? MAX_DATA_PAYLOAD : MAX_CONTROL_PAYLOAD;
}

export function isFrameType(value: number): value is FrameTypeCode {
  return (Object.values(FrameType) as number[]).includes(value);
}

/** A region's name: what topology files, `--region` and the wire accept. */
export const REGION_NAME = /^[a-z][a-z0-9-]{0,31}$/;
export const MAX_REGIONS = 16;
/** Most parents a load report lists; most tiers a request may say it has passed. */
export const MAX_PARENTS = 32;
export const MAX_HOPS_ON_WIRE = 64;
