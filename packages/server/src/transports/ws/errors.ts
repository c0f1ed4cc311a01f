/** The one place where errors become WebSocket error objects. */
import { StoaError } from '../../domain/errors.ts';
import type { ErrorCode } from '@stoa/protocol';

export function errorOf(
  error: unknown,
  onUnexpected: (error: unknown) => void,
): { code: ErrorCode; message: string; details?: unknown } {
  if (error instanceof StoaError) {
    return error.details === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, details: error.details };
  }
  onUnexpected(error);
  return { code: 'internal', message: 'internal error' };
}
