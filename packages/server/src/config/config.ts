/**
 * Typed configuration with units and bounds. Sources, later winning: defaults, a JSON file
 * (`STOA_CONFIG` or `<dataDir>/stoa.json`), environment variables `STOA_*`, then command-line
 * flags. `stoa-server --check-config` prints the result.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface Config {
  /** Folder holding the SQLite database and files. */
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  /** `full` makes every acknowledged write survive power loss; `normal` only process crashes. */
  readonly sqliteSynchronous: 'full' | 'normal';
  /** Largest HTTP request body, bytes. */
  readonly maxBodyBytes: number;
  /** Largest archive an administrator may upload for `stoa import --url`, bytes. */
  readonly maxArchiveBytes: number;
  /** Largest message (text + RTF + story title), bytes. */
  readonly maxMessageBytes: number;
  /** Largest WebSocket frame accepted at all; bigger frames close the connection (1009). */
  readonly maxFrameBytes: number;
  /** Password sessions expire after this long, ms. */
  readonly sessionTtlMs: number;
  /** A connection whose unsent data exceeds this is dropped (it resumes from its last seq). */
  readonly maxBufferedBytes: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Smallest compliance RunInterval accepted, ms: one minute (spec §5.3); lower only for tests. */
  readonly complianceMinIntervalMs: number;
}

export const DEFAULTS: Config = {
  dataDir: './data',
  host: '127.0.0.1',
  port: 8080,
  sqliteSynchronous: 'full',
  maxBodyBytes: 1024 * 1024,
  maxArchiveBytes: 4 * 1024 * 1024 * 1024,
  maxMessageBytes: 64 * 1024,
  maxFrameBytes: 1024 * 1024,
  sessionTtlMs: 30 * 24 * 3600 * 1000,
  maxBufferedBytes: 16 * 1024 * 1024,
  logLevel: 'info',
  complianceMinIntervalMs: 60_000,
};

type Key = keyof Config;
const ENV: Record<Key, string> = {
  dataDir: 'STOA_DATA_DIR',
  host: 'STOA_HOST',
  port: 'STOA_PORT',
  sqliteSynchronous: 'STOA_SQLITE_SYNCHRONOUS',
  maxBodyBytes: 'STOA_MAX_BODY_BYTES',
  maxArchiveBytes: 'STOA_MAX_ARCHIVE_BYTES',
  maxMessageBytes: 'STOA_MAX_MESSAGE_BYTES',
  maxFrameBytes: 'STOA_MAX_FRAME_BYTES',
  sessionTtlMs: 'STOA_SESSION_TTL_MS',
  maxBufferedBytes: 'STOA_MAX_BUFFERED_BYTES',
  logLevel: 'STOA_LOG_LEVEL',
  complianceMinIntervalMs: 'STOA_COMPLIANCE_MIN_INTERVAL_MS',
};

const INT_BOUNDS: Partial<Record<Key, [number, number]>> = {
  port: [0, 65535],
  maxBodyBytes: [1024, 1024 * 1024 * 1024],
  maxArchiveBytes: [1024, 1024 * 1024 * 1024 * 1024],
  maxMessageBytes: [16, 16 * 1024 * 1024],
  maxFrameBytes: [1024, 64 * 1024 * 1024],
  sessionTtlMs: [60_000, 366 * 24 * 3600 * 1000],
  maxBufferedBytes: [64 * 1024, 1024 * 1024 * 1024],
  complianceMinIntervalMs: [10, 60_000],
};

export class ConfigError extends Error {}

function coerce(key: Key, value: unknown): unknown {
  const bounds = INT_BOUNDS[key];
  if (bounds) {
    const n = typeof value === 'number' ? value : Number(value);
    if (!Number.isInteger(n) || n < bounds[0] || n > bounds[1]) {
      throw new ConfigError(
        `${key} must be a whole number from ${bounds[0]} to ${bounds[1]} (got ${String(value)})`,
      );
    }
    return n;
  }
  const text = String(value);
  if (key === 'sqliteSynchronous' && text !== 'full' && text !== 'normal')
    throw new ConfigError('sqliteSynchronous must be full or normal');
  if (key === 'logLevel' && !['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(text)) {
    throw new ConfigError('logLevel must be one of fatal, error, warn, info, debug, trace, silent');
  }
  return text;
}

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  flags: Partial<Record<Key, string>> = {},
): Config {
  const out: Record<string, unknown> = { ...DEFAULTS };
  const dataDirGuess = flags.dataDir ?? env[ENV.dataDir] ?? DEFAULTS.dataDir;
  const file = env.STOA_CONFIG ?? join(dataDirGuess, 'stoa.json');
  if (existsSync(file)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError(`${file}: not valid JSON (${(error as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null) throw new ConfigError(`${file}: expected an object`);
    for (const [k, v] of Object.entries(parsed)) {
      if (!Object.hasOwn(DEFAULTS, k)) throw new ConfigError(`${file}: unknown setting ${k}`);
      out[k] = coerce(k as Key, v);
    }
  }
  for (const key of Object.keys(ENV) as Key[]) {
    const v = env[ENV[key]];
    if (v !== undefined && v !== '') out[key] = coerce(key, v);
  }
  for (const [k, v] of Object.entries(flags)) out[k] = coerce(k as Key, v);
  // npm runs scripts inside the package folder; relative paths mean the folder npm was started in.
  out.dataDir = resolve(env.INIT_CWD ?? process.cwd(), String(out.dataDir));
  return out as unknown as Config;
}

export const CONFIG_ENV = ENV;
