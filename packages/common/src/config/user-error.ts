/**
 * A problem the user can fix (bad flag, bad file, port in use, unreachable origin). CLIs print
 * its message as one line, without a stack trace, and exit with its code.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
