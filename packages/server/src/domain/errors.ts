import type { ErrorCode } from '@stoa/protocol';

/** A refusal with a stable code. Transports map it to the wire in one place each. */
export class StoaError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'StoaError';
    this.code = code;
    this.details = details;
  }
}

export function fail(code: ErrorCode, message: string, details?: unknown): never {
  throw new StoaError(code, message, details);
}

/** The one error for a room or message the actor may not see: identical to a missing one. */
export function notFound(what: string): never {
  throw new StoaError('not_found', `${what} not found`);
}
