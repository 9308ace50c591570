/**
 * Errors that end an ingest. `InputError` means the input is unusable (exit 2, nothing committed);
 * anything else is internal (exit 1).
 */
export class InputError extends Error {
  readonly exitCode = 2;
  constructor(readonly code: string, message: string, readonly file?: string) {
    super(message);
  }
}
