// Options of the roster module (RFC 6121 §2.3.3 "server-configured limits", the IM&P contact-list
// size): type, defaults and a parser that names the offending key (conventions §8).
import { checkInteger, OptionsError } from '@deskchat/core';

export interface RosterOptions {
  /** Most items one roster holds. At the limit the user can neither add a contact nor be added by one. */
  maxContacts: number;
  /** Longest display name, in characters (RFC 6121 §2.3.3: not-acceptable beyond it). */
  maxNameLength: number;
  /** Longest group name, in characters (RFC 6121 §2.3.3: not-acceptable beyond it). */
  maxGroupLength: number;
}

export const DEFAULT_ROSTER_OPTIONS: RosterOptions = { maxContacts: 500, maxNameLength: 256, maxGroupLength: 256 };

const LIMITS: Record<keyof RosterOptions, [number, number]> = {
  maxContacts: [1, 100_000],
  maxNameLength: [1, 1023],
  maxGroupLength: [1, 1023],
};

/** Validates `raw` (e.g. the `roster` section of the config file); unknown keys are refused. */
export function parseRosterOptions(raw: Record<string, unknown> | undefined, prefix = 'roster'): RosterOptions {
  const key = (name: string) => (prefix ? `${prefix}.${name}` : name);
  if (raw === undefined) return { ...DEFAULT_ROSTER_OPTIONS };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new OptionsError(prefix || 'options', 'must be an object');
  const options = { ...DEFAULT_ROSTER_OPTIONS };
  for (const [name, value] of Object.entries(raw)) {
    if (!(name in LIMITS)) throw new OptionsError(key(name), 'unknown option');
    const [min, max] = LIMITS[name as keyof RosterOptions];
    options[name as keyof RosterOptions] = checkInteger(key(name), value, min, max);
  }
  return options;
}
