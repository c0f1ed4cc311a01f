/**
 * Parsing client frames: size, JSON, shape. Returns a typed frame or a refusal with a stable code;
 * never throws. Fuzzed in frames.test.ts.
 */
import { ClientFrames, type ClientFrame, type ClientFrameType, type ErrorCode } from '@stoa/protocol';
import Compile from 'typebox/compile';

const checkers = Object.fromEntries(
  Object.entries(ClientFrames).map(([type, schema]) => [type, Compile(schema)]),
) as unknown as { [K in ClientFrameType]: ReturnType<typeof Compile> };

export type ParsedFrame =
  | { ok: true; frame: ClientFrame }
  | { ok: false; id: string | number | null; code: ErrorCode; message: string };

function requestId(value: unknown): string | number | null {
  if (typeof value === 'object' && value !== null && 'id' in value) {
    const id = value.id;
    if (typeof id === 'string' && id.length <= 64) return id;
    if (typeof id === 'number' && Number.isSafeInteger(id)) return id;
  }
  return null;
}

export function parseFrame(raw: string, maxBytes: number): ParsedFrame {
  // A UTF-16 code unit takes at most 3 bytes of UTF-8: short frames need no byte count.
  if (raw.length > maxBytes || (raw.length * 3 > maxBytes && Buffer.byteLength(raw, 'utf8') > maxBytes)) {
    return {
      ok: false,
      id: null,
      code: 'payload_too_large',
      message: `frames are limited to ${maxBytes} bytes`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, id: null, code: 'invalid_json', message: 'the frame is not valid JSON' };
  }
  const id = requestId(value);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, id, code: 'bad_request', message: 'a frame is a JSON object with a type' };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(ClientFrames, type)) {
    return {
      ok: false,
      id,
      code: 'unknown_frame',
      message: `unknown frame type; expected one of ${Object.keys(ClientFrames).join(', ')}`,
    };
  }
  const checker = checkers[type as ClientFrameType];
  if (!checker.Check(value)) {
    const first = [...checker.Errors(value)][0];
    const where = first ? `${first.instancePath || '/'} ${first.message}` : 'invalid';
    return { ok: false, id, code: 'validation_failed', message: `${type}: ${where}` };
  }
  return { ok: true, frame: value as ClientFrame };
}
