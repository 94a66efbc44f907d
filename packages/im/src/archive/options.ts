// The `mam` config section (conventions §8): page sizes, the default preference, retention and
// the per-user bound of XEP-0313 user archives.
import { OptionsError, checkInteger } from '@deskchat/core';
import type { ArchiveDefault } from '@deskchat/core';

export interface ArchiveOptions {
  /** Page size when the client names no RSM <max/>. */
  defaultPageSize: number;
  /** The largest page one query returns, whatever the client asks (XEP-0313 §4.1.3). */
  maxPageSize: number;
  /** What is archived for a user who set no preferences (XEP-0441 default). */
  defaultPreference: ArchiveDefault;
  /** Retention: messages older than this many days are dropped (0: kept until the bound). */
  retentionDays: number;
  /** The bound per user: past either, the oldest messages are dropped first (never a refusal). */
  maxMessagesPerUser: number;
  maxBytesPerUser: number;
  /**
   * How long a node reuses a user's preferences it read (0: read them for every message). A change
   * applies at once on the node that made it, within this time on the others.
   */
  prefsCacheSeconds: number;
  /** The clock (tests). */
  now?: () => number;
}

export const DEFAULT_ARCHIVE_OPTIONS: ArchiveOptions = {
  defaultPageSize: 50,
  maxPageSize: 250,
  defaultPreference: 'always',
  retentionDays: 0,
  maxMessagesPerUser: 10_000,
  maxBytesPerUser: 20_000_000,
  prefsCacheSeconds: 5,
};

export function parseArchiveOptions(raw: Record<string, unknown> | undefined, prefix = 'mam'): ArchiveOptions {
  const r = raw ?? {};
  for (const key of Object.keys(r)) if (!(key in DEFAULT_ARCHIVE_OPTIONS) || key === 'now') throw new OptionsError(`${prefix}.${key}`, 'unknown option');
  const int = (key: keyof ArchiveOptions, min: number, max: number) => (r[key] === undefined ? (DEFAULT_ARCHIVE_OPTIONS[key] as number) : checkInteger(`${prefix}.${key}`, r[key], min, max));
  const pref = r.defaultPreference ?? DEFAULT_ARCHIVE_OPTIONS.defaultPreference;
  if (pref !== 'always' && pref !== 'never' && pref !== 'roster') throw new OptionsError(`${prefix}.defaultPreference`, "must be 'always', 'never' or 'roster'");
  const options: ArchiveOptions = {
    defaultPageSize: int('defaultPageSize', 1, 1000),
    maxPageSize: int('maxPageSize', 1, 1000),
    defaultPreference: pref,
    retentionDays: int('retentionDays', 0, 36_500),
    maxMessagesPerUser: int('maxMessagesPerUser', 1, 10_000_000),
    maxBytesPerUser: int('maxBytesPerUser', 1024, 10_000_000_000),
    prefsCacheSeconds: int('prefsCacheSeconds', 0, 3600),
  };
  if (options.defaultPageSize > options.maxPageSize) throw new OptionsError(`${prefix}.defaultPageSize`, 'must not be larger than maxPageSize');
  return options;
}
