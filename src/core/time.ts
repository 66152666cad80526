import { usageError } from './errors.js';

// RFC 3339 section 5.6 date-time, with an explicit offset (Z or ±hh:mm).
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;

/** Parse an RFC 3339 date-time strictly; returns undefined when it is not one. */
export function parseRfc3339(text: string): Date | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number, number, number, number, number, number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return undefined;
  const ms = Date.parse(text.replace(/\.(\d{3})\d+/, '.$1'));
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** RFC 3339 UTC with second precision, the form every output of this tool uses. */
export function formatRfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Parse a `--now`/`--time` option value or fail with a usage error naming the option. */
export function parseTimeOption(option: string, value: string): Date {
  const date = parseRfc3339(value);
  if (date === undefined) {
    throw usageError('BAD_TIME', `${option} must be an RFC 3339 date-time, got "${value}"`, {
      hint: `use a form like 2026-01-31T12:00:00Z`,
    });
  }
  return date;
}

/**
 * The `created` time of a build: --time, else SOURCE_DATE_EPOCH (seconds since the epoch, the
 * reproducible-builds convention), else now.
 */
export function resolveBuildTime(timeOption: string | undefined, env: NodeJS.ProcessEnv, now: () => Date): Date {
  if (timeOption !== undefined) return parseTimeOption('--time', timeOption);
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && epoch !== '') {
    if (!/^\d{1,12}$/.test(epoch)) {
      throw usageError('BAD_SOURCE_DATE_EPOCH', `SOURCE_DATE_EPOCH must be whole seconds since 1970, got "${epoch}"`);
    }
    return new Date(Number(epoch) * 1000);
  }
  const date = now();
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
