import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import {
  LEGACY_CLIENT_ISN,
  LEGACY_MAX_PAYLOAD,
  LEGACY_NO_SERVER,
  LegacyFlag,
  decodeLegacyPacket,
  encodeLegacyPacket,
  nextLegacySeq,
  type LegacyPacket,
} from '@cdn-lab/protocol';

/**
 * Reads a socket the way the original client does, recv(524): every read is one packet. A
 * read that arrives before this side has answered the previous one means the server did not
 * wait (not stop-and-wait), which the original would have mangled; that is an error here.
 */
class OneReadPerPacket {
  private readonly reads: Buffer[] = [];
  private waiter: ((read: Buffer | null) => void) | null = null;
  private closed = false;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      if (this.waiter) {
        const wake = this.waiter;
        this.waiter = null;
        wake(chunk);
      } else {
        this.reads.push(chunk);
      }
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.(null);
      this.waiter = null;
    });
    socket.on('error', () => undefined);
  }

  /** The next read, or null at the end of the stream. */
  next(): Promise<Buffer | null> {
    const queued = this.reads.shift();
    if (queued) return Promise.resolve(queued);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  get unread(): number {
    return this.reads.length;
  }
}

export interface LegacyFetch {
  replica: string;
  bytes: Buffer;
  packets: LegacyPacket[];
}

/** Follows legacy-wire.md: ask the balancer by silence, then fetch stop-and-wait. */
export async function legacyFetch(balancerHost: string, port: number): Promise<LegacyFetch> {
  const balancer = connect(port, balancerHost);
  const answers = new OneReadPerPacket(balancer);
  await once(balancer, 'connect');
  const first = await answers.next();
  balancer.destroy();
  if (!first) throw new Error('the balancer closed without an answer');
  const route = decodeLegacyPacket(first);
  if (route.seq !== 1 || route.ack !== 1 || route.flags !== LegacyFlag.SYN) {
    throw new Error(`unexpected balancer packet ${JSON.stringify(route)}`);
  }
  const replica = route.payload.toString('ascii');
  if (replica === '' || replica === LEGACY_NO_SERVER) throw new Error('the balancer has no server');

  const socket = connect(port, replica);
  const reads = new OneReadPerPacket(socket);
  await once(socket, 'connect');
  let mine = { seq: LEGACY_CLIENT_ISN, ack: 0 };
  socket.write(encodeLegacyPacket({ ...mine, flags: LegacyFlag.SYN }));
  const packets: LegacyPacket[] = [];
  try {
    for (;;) {
      const read = await reads.next();
      if (!read) throw new Error(`the replica closed after ${packets.length} packets`);
      if (reads.unread > 0) throw new Error('two packets arrived in one round trip');
      const packet = decodeLegacyPacket(read);
      packets.push(packet);
      if (packet.seq !== mine.ack || packet.ack !== nextLegacySeq(mine.seq)) {
        throw new Error(
          `packet ${packets.length}: seq ${packet.seq} ack ${packet.ack} do not answer ${JSON.stringify(mine)}`,
        );
      }
      if (!(packet.flags & LegacyFlag.SYN) || packet.payload.length > LEGACY_MAX_PAYLOAD) {
        throw new Error(`packet ${packets.length} is not a data chunk`);
      }
      const last = (packet.flags & LegacyFlag.FIN) !== 0;
      mine = { seq: nextLegacySeq(mine.seq), ack: (packet.seq + packet.payload.length + 1) >>> 0 };
      socket.write(
        encodeLegacyPacket({
          ...mine,
          flags: last ? LegacyFlag.ACK | LegacyFlag.FIN : LegacyFlag.ACK,
        }),
      );
      if (last) break;
    }
  } finally {
    socket.end();
  }
  return { replica, bytes: Buffer.concat(packets.map((p) => p.payload)), packets };
}
