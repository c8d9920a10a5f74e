/**
 * The original Python project's packet ("legacy" dialect): a 12-byte header (seq and ack as
 * little-endian u32, flags as a big-endian u32 using only the low three bits) and up to 512
 * payload bytes. The format has no length field, so a payload can only be delimited by the
 * read it arrived in; see LegacyHeaderReader for the rule this side uses.
 */

export const LEGACY_HEADER_LENGTH = 12;
export const LEGACY_MAX_PAYLOAD = 512;
/** The original reads with recv(524): one whole packet. */
export const LEGACY_MAX_PACKET = LEGACY_HEADER_LENGTH + LEGACY_MAX_PAYLOAD;

export const LegacyFlag = {
  FIN: 0x1,
  SYN: 0x2,
  ACK: 0x4,
} as const;
const ALL_FLAGS = LegacyFlag.FIN | LegacyFlag.SYN | LegacyFlag.ACK;

/** The sequence number the original client opens a replica conversation with. */
export const LEGACY_CLIENT_ISN = 12345;

export interface LegacyPacket {
  seq: number;
  ack: number;
  flags: number;
  payload: Buffer;
}

/** The balancer's answer when it has no replica the original client could reach. */
export const LEGACY_NO_SERVER = '0.0.0.0';

function isU32(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}

/** Adds one with 32-bit wrap-around, as the sequence fields do. */
export function nextLegacySeq(seq: number): number {
  return (seq + 1) >>> 0;
}

/** True when the header's flags word uses only ACK, SYN and FIN (the sniffing test). */
export function hasLegacyFlags(header: Buffer): boolean {
  if (header.length < LEGACY_HEADER_LENGTH) return false;
  return (header.readUInt32BE(8) & ~ALL_FLAGS) === 0;
}

export function encodeLegacyPacket(packet: {
  seq: number;
  ack: number;
  flags: number;
  payload?: Buffer;
}): Buffer {
  const payload = packet.payload ?? Buffer.alloc(0);
  if (!isU32(packet.seq) || !isU32(packet.ack)) {
    throw new RangeError('legacy seq and ack must be unsigned 32-bit integers');
  }
  if (!Number.isInteger(packet.flags) || (packet.flags & ~ALL_FLAGS) !== 0 || packet.flags < 0) {
    throw new RangeError(`legacy flags ${packet.flags} use bits other than ACK, SYN, FIN`);
  }
  if (payload.length > LEGACY_MAX_PAYLOAD) {
    throw new RangeError(`a legacy payload holds at most ${LEGACY_MAX_PAYLOAD} bytes`);
  }
  const out = Buffer.allocUnsafe(LEGACY_HEADER_LENGTH + payload.length);
  out.writeUInt32LE(packet.seq, 0);
  out.writeUInt32LE(packet.ack, 4);
  out.writeUInt32BE(packet.flags, 8);
  payload.copy(out, LEGACY_HEADER_LENGTH);
  return out;
}

/**
 * Decodes one whole packet as the original does: everything after the header, in the same
 * read, is the payload. Only valid when the sender writes one packet per round trip.
 */
export function decodeLegacyPacket(bytes: Buffer): LegacyPacket {
  if (bytes.length < LEGACY_HEADER_LENGTH) {
    throw new RangeError(
      `a legacy packet has a ${LEGACY_HEADER_LENGTH}-byte header; got ${bytes.length} bytes`,
    );
  }
  if (!hasLegacyFlags(bytes)) throw new RangeError('not a legacy packet: unknown flag bits');
  if (bytes.length > LEGACY_MAX_PACKET) {
    throw new RangeError(`a legacy packet is at most ${LEGACY_MAX_PACKET} bytes`);
  }
  return {
    seq: bytes.readUInt32LE(0),
    ack: bytes.readUInt32LE(4),
    flags: bytes.readUInt32BE(8),
    payload: bytes.subarray(LEGACY_HEADER_LENGTH),
  };
}

export interface LegacyReadResult {
  packets: LegacyPacket[];
  /** Set when a header carried unknown flag bits; nothing after it is read. */
  error: string | null;
}

/**
 * Reads what the original client sends a replica: header-only packets (its SYN and its ACKs
 * never carry a payload). With no length field, a byte stream cannot say where a payload
 * would end, so this reader's rule is: every 12 bytes are one packet, however TCP splits or
 * joins them. A header with flag bits outside ACK/SYN/FIN is an error (the peer is not
 * speaking this dialect, or sent a payload this side cannot delimit).
 */
export class LegacyHeaderReader {
  private pending: Buffer = Buffer.alloc(0);
  private failed = false;

  push(chunk: Buffer): LegacyReadResult {
    if (this.failed) return { packets: [], error: null };
    const bytes = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const packets: LegacyPacket[] = [];
    let at = 0;
    for (; at + LEGACY_HEADER_LENGTH <= bytes.length; at += LEGACY_HEADER_LENGTH) {
      const header = bytes.subarray(at, at + LEGACY_HEADER_LENGTH);
      if (!hasLegacyFlags(header)) {
        this.failed = true;
        this.pending = Buffer.alloc(0);
        return { packets, error: 'a legacy header with unknown flag bits' };
      }
      packets.push(decodeLegacyPacket(header));
    }
    this.pending = Buffer.from(bytes.subarray(at));
    return { packets, error: null };
  }
}
