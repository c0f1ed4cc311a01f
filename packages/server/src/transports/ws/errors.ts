/** The one place where errors become WebSocket error objects. */
import { StoaError } from '../../domain/errors.ts';
import type { ErrorBody } from '@stoa/protocol';

export function errorOf(error: unknown, onUnexpected: (error: unknown) => void): ErrorBody['error'] {
  if (error instanceof StoaError) {
    return error.details === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, details: error.details };
  }
  onUnexpected(error);
  return { code: 'internal', message: 'internal error' };
}
