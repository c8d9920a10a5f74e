/**
 * A transfer broke after its answer began (object frame, status line, first packet): the only
 * honest signal left to the client is closing the connection.
 */
export class TransferBroken extends Error {
  /** True when the replica itself broke the transfer (not the client leaving, not the origin). */
  constructor(
    message: string,
    readonly replicaFault = false,
  ) {
    super(message);
    this.name = 'TransferBroken';
  }
}
