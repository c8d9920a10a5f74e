/**
 * First SIGINT/SIGTERM: run the graceful stop, then exit with its code. A second signal while
 * stopping exits at once with 130, like a second Ctrl-C should.
 */
export function onStopSignals(graceful: (signal: NodeJS.Signals) => Promise<number>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(130);
    stopping = true;
    graceful(signal).then(
      (code) => process.exit(code),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}
