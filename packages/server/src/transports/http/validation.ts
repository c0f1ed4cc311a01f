/**
 * Request validation with the same TypeBox schemas the OpenAPI document shows. Bodies are checked
 * exactly as sent (no type coercion: `{"text": 5}` is refused, like on the WebSocket); query
 * strings and path parameters, which are text by nature, are converted to the schema's types first.
 */
import type { FastifyInstance } from 'fastify';
import type { TSchema } from 'typebox';
import Compile from 'typebox/compile';
import { Convert } from 'typebox/value';

class RequestValidationError extends Error {
  readonly statusCode = 400;
  readonly code = 'FST_ERR_VALIDATION';
}

export function installValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const checker = Compile(schema as TSchema);
    const convert = httpPart !== 'body';
    return (input: unknown) => {
      const value = convert ? Convert(schema as TSchema, input) : input;
      if (checker.Check(value)) return { value };
      const first = [...checker.Errors(value)][0];
      const where = first ? `${first.instancePath || '/'} ${first.message}` : 'invalid';
      return { error: new RequestValidationError(`${httpPart ?? 'request'}: ${where}`) };
    };
  });
}
