/**
 * The error-code catalogue. Every error a client can see carries one of these codes; codes are
 * stable (clients may switch on them), messages are for humans and may change. docs/errors.md
 * lists the same table.
 */
export const ErrorCodes = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  payload_too_large: 413,
  unauthenticated: 401,
  invalid_credentials: 401,
  token_expired: 401,
  forbidden: 403,
  not_found: 404,
  name_taken: 409,
  conflict: 409,
  out_of_scope: 422,
  not_joined: 409,
  already_joined: 409,
  category_not_empty: 409,
  presenters_need_auditorium: 422,
  limit_exceeded: 422,
  archive_invalid: 422,
  checksum_mismatch: 422,
  unsupported_archive_version: 422,
  unknown_frame: 400,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export function httpStatusOf(code: ErrorCode): number {
  return ErrorCodes[code];
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ErrorCodes, value);
}
