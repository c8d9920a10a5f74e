/** What the server needs from a connection of any dialect. */
export interface DialectHandler {
  /** The replica began draining: end the connection now if it has nothing in flight. */
  drainStarted(): void;
}
