// Failures of the `deskchat user …` commands and the exit codes they map to (0 ok, 1 failure, 2 usage).

/** An expected failure: its message is printed as is, without a stack. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

/** Wrong arguments: exit code 2, and the usage text is shown. */
export class UsageError extends CommandError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}
