/** Validation and normalisation of a posted message (spec §2.12, §4.4). */
import { fail } from './errors.ts';
import { isWellFormedText } from './text.ts';

export interface MessageInput {
  readonly text: string;
  readonly alert?: boolean;
  readonly storyTitle?: string;
  readonly rtf?: string;
  readonly clientMsgId?: string;
}

export interface PreparedMessage {
  readonly text: string;
  readonly alert: boolean;
  readonly storyTitle: string | null;
  readonly rtf: string | null;
  readonly clientMsgId: string | null;
}

export interface MessageLimits {
  /** Largest plain text, in bytes of UTF-8. */
  readonly maxTextBytes: number;
}

const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');

function wellFormed(field: string, value: string | undefined): void {
  if (value !== undefined && !isWellFormedText(value))
    fail('validation_failed', `${field} is not valid Unicode text`);
}

export function prepareMessage(input: MessageInput, limits: MessageLimits): PreparedMessage {
  wellFormed('text', input.text);
  wellFormed('rtf', input.rtf);
  wellFormed('storyTitle', input.storyTitle);
  wellFormed('clientMsgId', input.clientMsgId);
  // Plain text is mandatory, even with RTF (legacy clients read only the plain text).
  if (input.text.trim().length === 0) fail('validation_failed', 'text must not be empty');
  const bytes = utf8Length(input.text) + utf8Length(input.rtf ?? '') + utf8Length(input.storyTitle ?? '');
  if (bytes > limits.maxTextBytes) {
    fail('payload_too_large', `message is ${bytes} bytes; the limit is ${limits.maxTextBytes}`, {
      limit: limits.maxTextBytes,
    });
  }
  if (input.storyTitle !== undefined && input.storyTitle.trim().length === 0) {
    fail('validation_failed', 'a story needs a title');
  }
  if (input.clientMsgId !== undefined && (input.clientMsgId.length === 0 || input.clientMsgId.length > 128)) {
    fail('validation_failed', 'clientMsgId must be 1 to 128 characters');
  }
  return {
    text: input.text,
    alert: input.alert === true,
    storyTitle: input.storyTitle ?? null,
    rtf: input.rtf ?? null,
    clientMsgId: input.clientMsgId ?? null,
  };
}
