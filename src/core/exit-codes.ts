/** The exit-code contract, shared by every subcommand (see docs/exit-codes.md). */
export const ExitCode = {
  OK: 0,
  CHECK_FAILED: 1,
  USAGE: 2,
  ENVIRONMENT: 3,
  INCOMPLETE: 4,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
