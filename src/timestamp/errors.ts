/** A failed time-stamp step: a stable reason code plus the underlying cause. */
export class TimestampError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TimestampError';
    this.code = code;
  }
}
