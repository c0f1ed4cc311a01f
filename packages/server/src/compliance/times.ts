/**
 * The three time encodings of the XML format (spec §5.5): milliseconds since 1970, an ISO-8601
 * UTC string with seven fractional digits, and .NET ticks (100 ns since 0001-01-01). Ticks pass
 * 2^53, so they are written as text: milliseconds since 0001 followed by four zeros.
 */

/** Milliseconds from 0001-01-01 to 1970-01-01 (719,162 days). */
const UNIX_EPOCH_MS = 62_135_596_800_000;

export interface UtcTime {
  readonly since1970: string;
  readonly string: string;
  readonly long: string;
}

export function utcTime(ms: number): UtcTime {
  const iso = new Date(ms).toISOString(); // 2023-11-14T22:13:20.000Z
  return {
    since1970: String(ms),
    string: `${iso.slice(0, 23)}0000Z`,
    // Ticks are milliseconds × 10,000: exact as text, while milliseconds since 0001 fit a double.
    long: `${ms + UNIX_EPOCH_MS}0000`,
  };
}

/** `20231114T221320Z`: a compact UTC stamp for file names. */
export function fileStamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}
