/**
 * File rules (spec §4.10): safe names, and the content type a file is served with. A declared type
 * is kept only when it is on the safe list and, for types with a known signature, the first bytes
 * match it; anything else is served as application/octet-stream. Downloads are always attachments
 * with sniffing off, so no file can run as a page of ours.
 */
import { fail } from './errors.ts';
import { isWellFormedText } from './text.ts';

const SIGNATURES: Record<string, (head: Uint8Array) => boolean> = {
  'image/png': (h) => h[0] === 0x89 && h[1] === 0x50 && h[2] === 0x4e && h[3] === 0x47,
  'image/jpeg': (h) => h[0] === 0xff && h[1] === 0xd8 && h[2] === 0xff,
  'image/gif': (h) => h[0] === 0x47 && h[1] === 0x49 && h[2] === 0x46 && h[3] === 0x38,
  'image/webp': (h) =>
    h[0] === 0x52 && h[1] === 0x49 && h[2] === 0x46 && h[3] === 0x46 && h[8] === 0x57 && h[9] === 0x45,
  'application/pdf': (h) => h[0] === 0x25 && h[1] === 0x50 && h[2] === 0x44 && h[3] === 0x46,
  'application/zip': (h) => h[0] === 0x50 && h[1] === 0x4b,
};

/** Types served as declared (when their signature matches); everything else is octet-stream. */
const SAFE = new Set([
  ...Object.keys(SIGNATURES),
  'text/plain',
  'text/csv',
  'application/json',
  'application/octet-stream',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
]);

export function effectiveContentType(declared: string | null | undefined, head: Uint8Array): string {
  const type = (declared ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!SAFE.has(type)) return 'application/octet-stream';
  const signature = SIGNATURES[type];
  // Office documents are zip files.
  if (
    type.startsWith('application/vnd.openxmlformats') &&
    !(SIGNATURES['application/zip']?.(head) ?? false)
  ) {
    return 'application/octet-stream';
  }
  if (signature && !signature(head)) return 'application/octet-stream';
  return type;
}

/** A file name safe to store and to put in a Content-Disposition header. */
export function checkFileName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim();
  if (cleaned === '' || cleaned === '.' || cleaned === '..') fail('validation_failed', 'a file needs a name');
  if (!isWellFormedText(cleaned)) fail('validation_failed', 'the file name is not valid Unicode text');
  if (cleaned.length > 255) fail('validation_failed', 'file names are limited to 255 characters');
  return cleaned;
}

/** `Content-Disposition: attachment` with an ASCII fallback and the UTF-8 name (RFC 6266). */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
