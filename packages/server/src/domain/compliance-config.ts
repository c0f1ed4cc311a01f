/**
 * The compliance configuration (spec §5.3) with its defaults and bounds. Stored as strings (one
 * row per parameter); parsed and checked here, so a value out of bounds is refused with a clear
 * message wherever it comes from (HTTP, command line), and a stored value that no longer passes
 * falls back to its default.
 */
import { fail } from './errors.ts';

export type ComplianceAdapterType = 'xml' | 'jsonl' | 'none';
export const COMPLIANCE_ADAPTER_TYPES: readonly ComplianceAdapterType[] = ['xml', 'jsonl', 'none'];

export interface ComplianceConfig {
  /** `xml` (spec §5.5, the default), `jsonl` (JSON Lines), `none` (events are discarded). */
  readonly AdapterType: ComplianceAdapterType;
  /** A name for the adapter; shown in status and written into JSON Lines output. */
  readonly AdapterName: string;
  /** Where files go; empty = `<dataDir>/compliance`; relative paths are under the data folder. */
  readonly AdapterOutputDirectory: string;
  /** Wait between adapter runs, ms (spec: TimeSpan, 1 minute – 30 days, default 15 minutes). */
  readonly RunInterval: number;
  /** One output file per room per batch instead of one per batch. */
  readonly OneChatRoomPerOutputFile: boolean;
  /** Room name and history flag in the output (otherwise the room URI only, as in the samples). */
  readonly AddChatRoomDetails: boolean;
  /** Display name and e-mail of senders (otherwise id and URI only). */
  readonly AddUserDetails: boolean;
  /** Also write a `.ATTACH` manifest listing the batch's file transfers. */
  readonly CreateFileAttachmentsManifest: boolean;
  /** The domain of room URIs, `ma-chan://<domain>/<room id>` (Stoa's own parameter). */
  readonly ChannelUriDomain: string;
}

export type ComplianceParameter = keyof ComplianceConfig;

export const MIN_RUN_INTERVAL_MS = 60_000;
export const MAX_RUN_INTERVAL_MS = 30 * 24 * 3600 * 1000;

export const DEFAULT_COMPLIANCE_CONFIG: ComplianceConfig = {
  AdapterType: 'xml',
  AdapterName: '',
  AdapterOutputDirectory: '',
  RunInterval: 15 * 60 * 1000,
  OneChatRoomPerOutputFile: false,
  AddChatRoomDetails: false,
  AddUserDetails: false,
  CreateFileAttachmentsManifest: false,
  ChannelUriDomain: 'stoa.local',
};

const BOOLEANS = new Set<ComplianceParameter>([
  'OneChatRoomPerOutputFile',
  'AddChatRoomDetails',
  'AddUserDetails',
  'CreateFileAttachmentsManifest',
]);

export function isComplianceParameter(name: string): name is ComplianceParameter {
  return Object.hasOwn(DEFAULT_COMPLIANCE_CONFIG, name);
}

// ---- TimeSpan ([d.]hh:mm:ss[.fffffff], the .NET constant format the spec's RunInterval uses)

const TIMESPAN = /^(?:(\d{1,5})\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/;

/** Milliseconds of a TimeSpan string, or undefined when it is not one (fractions below 1 ms drop). */
export function parseTimeSpan(text: string): number | undefined {
  const m = TIMESPAN.exec(text.trim());
  if (!m) return undefined;
  const [days, hours, minutes, seconds] = [m[1], m[2], m[3], m[4]].map((v) => Number(v ?? 0)) as [
    number,
    number,
    number,
    number,
  ];
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  const fraction = Math.floor(Number(`0.${m[5] ?? '0'}`) * 1000);
  return ((days * 24 + hours) * 60 + minutes) * 60_000 + seconds * 1000 + fraction;
}

/** `d.hh:mm:ss[.fffffff]` for a whole number of milliseconds (days only when there are some). */
export function formatTimeSpan(ms: number): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const days = Math.floor(ms / 86_400_000);
  const hours = Math.floor(ms / 3_600_000) % 24;
  const minutes = Math.floor(ms / 60_000) % 60;
  const seconds = Math.floor(ms / 1000) % 60;
  const millis = ms % 1000;
  return (
    (days > 0 ? `${days}.` : '') +
    `${two(hours)}:${two(minutes)}:${two(seconds)}` +
    (millis > 0 ? `.${String(millis).padStart(3, '0')}0000` : '')
  );
}

// ---- checking changes and resolving stored values

/** Checks one parameter; returns the string to store or throws `validation_failed`. */
function checkParameter(name: ComplianceParameter, value: unknown, minIntervalMs: number): string {
  const invalid = (expected: string): never =>
    fail('validation_failed', `${name} must be ${expected}`, { parameter: name });
  if (BOOLEANS.has(name)) {
    if (typeof value === 'boolean') return String(value);
    if (value === 'true' || value === 'false') return value;
    return invalid('true or false');
  }
  if (typeof value !== 'string') return invalid('a string');
  switch (name) {
    case 'AdapterType':
      if (!(COMPLIANCE_ADAPTER_TYPES as readonly string[]).includes(value)) {
        return invalid(`one of ${COMPLIANCE_ADAPTER_TYPES.join(', ')}`);
      }
      return value;
    case 'RunInterval': {
      const ms = parseTimeSpan(value);
      if (ms === undefined) return invalid('a TimeSpan [d.]hh:mm:ss[.fffffff], e.g. 00:15:00');
      if (ms < minIntervalMs || ms > MAX_RUN_INTERVAL_MS) {
        return fail(
          'validation_failed',
          `RunInterval must be from ${formatTimeSpan(minIntervalMs)} to ${formatTimeSpan(MAX_RUN_INTERVAL_MS)}`,
          { parameter: name, minMs: minIntervalMs, maxMs: MAX_RUN_INTERVAL_MS },
        );
      }
      return String(ms);
    }
    case 'AdapterName':
      // eslint-disable-next-line no-control-regex -- refusing control characters is the point
      if (value.length > 256 || /[\u0000-\u001f]/.test(value)) {
        return invalid('at most 256 characters without control characters');
      }
      return value;
    case 'AdapterOutputDirectory':
      if (value.length > 4096 || value.includes('\u0000'))
        return invalid('a path of at most 4096 characters');
      return value;
    case 'ChannelUriDomain':
      if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(value)) {
        return invalid('a domain name such as example.com');
      }
      return value.toLowerCase();
    case 'OneChatRoomPerOutputFile':
    case 'AddChatRoomDetails':
    case 'AddUserDetails':
    case 'CreateFileAttachmentsManifest':
      return invalid('true or false');
  }
}

/**
 * Checks a set of changes (unknown parameters refused) and returns the strings to store.
 * `minIntervalMs` is the smallest RunInterval allowed: one minute unless a test lowers it.
 */
export function checkComplianceChanges(
  changes: Readonly<Record<string, unknown>>,
  minIntervalMs = MIN_RUN_INTERVAL_MS,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    if (!isComplianceParameter(name)) {
      fail('validation_failed', `unknown compliance parameter ${name}`, { parameter: name });
    }
    out[name] = checkParameter(name, value, minIntervalMs);
  }
  return out;
}

/** Stored strings → typed configuration; anything unknown or no longer valid keeps its default. */
export function resolveComplianceConfig(
  stored: Readonly<Record<string, string>>,
  minIntervalMs = MIN_RUN_INTERVAL_MS,
): ComplianceConfig {
  const out: Record<string, unknown> = { ...DEFAULT_COMPLIANCE_CONFIG };
  for (const [name, raw] of Object.entries(stored)) {
    if (!isComplianceParameter(name)) continue;
    let value: unknown = raw;
    if (BOOLEANS.has(name)) value = raw === 'true';
    if (name === 'RunInterval') {
      const ms = Number(raw);
      if (!Number.isInteger(ms) || ms < minIntervalMs || ms > MAX_RUN_INTERVAL_MS) continue;
      value = ms;
    }
    if (name === 'AdapterType' && !(COMPLIANCE_ADAPTER_TYPES as readonly string[]).includes(raw)) continue;
    out[name] = value;
  }
  return out as unknown as ComplianceConfig;
}

/** What the API and the command line show: RunInterval as a TimeSpan, and in milliseconds. */
export type ComplianceConfigView = Omit<ComplianceConfig, 'RunInterval'> & {
  readonly RunInterval: string;
  readonly RunIntervalMs: number;
};

export function complianceConfigView(config: ComplianceConfig): ComplianceConfigView {
  return { ...config, RunInterval: formatTimeSpan(config.RunInterval), RunIntervalMs: config.RunInterval };
}
