/**
 * Server settings with their defaults and bounds (spec §2.6). Stored as strings; parsed and
 * checked here, so a value out of bounds is refused with a clear message wherever it comes from.
 */
import { fail } from './errors.ts';

export interface Settings {
  readonly DefaultChatHistory: number;
  readonly ParticipantUpdateLimit: number;
  readonly MaxFileSizeKB: number;
  readonly RoomManagementUrl: string;
}

interface IntSpec {
  readonly kind: 'int';
  readonly min: number;
  readonly max: number;
  readonly fallback: number;
  readonly help: string;
}
interface UrlSpec {
  readonly kind: 'url';
  readonly fallback: string;
  readonly help: string;
}

export const SETTING_SPECS: { readonly [K in keyof Settings]: IntSpec | UrlSpec } = {
  DefaultChatHistory: {
    kind: 'int',
    min: 1,
    max: 500,
    fallback: 30,
    help: 'messages delivered when a room is joined',
  },
  ParticipantUpdateLimit: {
    kind: 'int',
    min: 1,
    max: 100_000,
    fallback: 75,
    help: 'above this many participants a room stops sending join/leave updates',
  },
  MaxFileSizeKB: {
    kind: 'int',
    min: 1,
    max: 4_000_000,
    fallback: 20_000,
    help: 'largest file that may be uploaded or downloaded, in KB',
  },
  RoomManagementUrl: { kind: 'url', fallback: '', help: 'custom room management page; empty = built in' },
};

export const DEFAULT_SETTINGS: Settings = {
  DefaultChatHistory: 30,
  ParticipantUpdateLimit: 75,
  MaxFileSizeKB: 20_000,
  RoomManagementUrl: '',
};

export function isSettingName(name: string): name is keyof Settings {
  return Object.hasOwn(SETTING_SPECS, name);
}

/** Parses and bounds-checks one value; throws `validation_failed` with the allowed range. */
export function parseSetting(name: string, raw: string): string {
  if (!isSettingName(name)) fail('validation_failed', `unknown setting ${name}`);
  const spec = SETTING_SPECS[name];
  if (spec.kind === 'int') {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < spec.min || value > spec.max) {
      fail('validation_failed', `${name} must be a whole number from ${spec.min} to ${spec.max}`, {
        setting: name,
        min: spec.min,
        max: spec.max,
      });
    }
    return String(value);
  }
  if (raw !== '' && !/^https?:\/\/[^\s]+$/i.test(raw)) {
    fail('validation_failed', `${name} must be an http or https URL, or empty`, { setting: name });
  }
  return raw;
}

/** Stored strings → typed settings, ignoring anything unknown or invalid (defaults apply). */
export function resolveSettings(stored: Readonly<Record<string, string>>): Settings {
  const out: Record<string, number | string> = { ...DEFAULT_SETTINGS };
  for (const [name, raw] of Object.entries(stored)) {
    if (!isSettingName(name)) continue;
    const spec = SETTING_SPECS[name];
    if (spec.kind === 'int') {
      const value = Number(raw);
      if (Number.isInteger(value) && value >= spec.min && value <= spec.max) out[name] = value;
    } else {
      out[name] = raw;
    }
  }
  return out as unknown as Settings;
}
