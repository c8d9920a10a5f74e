import { isIPv4, type Socket } from 'node:net';
import type { Logger } from '@cdn-lab/common';
import { LEGACY_NO_SERVER, LegacyFlag, encodeLegacyPacket } from '@cdn-lab/protocol';
import type { Decide } from '../routing/route-types.js';

/**
 * The original client's balancer conversation: it connects and says nothing; it is sent one
 * packet (seq 1, ack 1, SYN) naming a replica's IPv4 address, then the connection is closed.
 * It then connects to that address on the port it used here, so only replicas with an IPv4
 * address listening on this very port can be named; with none, "0.0.0.0" means "no server".
 */
export function answerLegacyRoute(
  socket: Socket,
  peer: string,
  decide: Decide,
  log: Logger,
  ownPort: number,
): void {
  const answer = decide(null, peer, {
    dialect: 'legacy',
    reachable: (address) => isIPv4(address.host) && address.port === ownPort,
    connection: socket,
  });
  const address = answer.type === 'route-ok' ? answer.best.host : LEGACY_NO_SERVER;
  log.info({ event: 'legacy-route', peer, address }, 'answered a silent (legacy) client');
  socket.end(
    encodeLegacyPacket({ seq: 1, ack: 1, flags: LegacyFlag.SYN, payload: Buffer.from(address) }),
  );
}
