/** The one place where errors become HTTP responses: `{ error: { code, message } }` with a status. */
import { httpStatusOf, type ErrorBody, type ErrorCode } from '@stoa/protocol';
import type { FastifyError, FastifyInstance } from 'fastify';
import { StoaError } from '../../domain/errors.ts';

function classify(error: FastifyError | StoaError | Error): {
  code: ErrorCode;
  message: string;
  details?: unknown;
} {
  if (error instanceof StoaError) {
    return error.details === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, details: error.details };
  }
  const fe = error as FastifyError;
  if (fe.validation || fe.code === 'FST_ERR_VALIDATION')
    return { code: 'validation_failed', message: fe.message };
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'payload_too_large', message: 'request body too large' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: 'invalid_json', message: 'the body is not valid JSON' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'bad_request', message: 'send JSON (Content-Type: application/json)' };
    default:
      break;
  }
  if (error instanceof SyntaxError) return { code: 'invalid_json', message: 'the body is not valid JSON' };
  if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500)
    return { code: 'bad_request', message: fe.message };
  return { code: 'internal', message: 'internal error' };
}

export function installErrorHandling(app: FastifyInstance, onUnexpected: (error: unknown) => void): void {
  app.setErrorHandler((error: FastifyError | StoaError, _request, reply) => {
    const e = classify(error);
    if (e.code === 'internal') onUnexpected(error);
    const body: ErrorBody = { error: e };
    void reply.status(httpStatusOf(e.code)).send(body);
  });
  app.setNotFoundHandler((_request, reply) => {
    const body: ErrorBody = { error: { code: 'not_found', message: 'no such endpoint' } };
    void reply.status(404).send(body);
  });
}
