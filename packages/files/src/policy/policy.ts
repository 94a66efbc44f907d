// The administrator's file-transfer policy (issue #10, "One policy for every path"): one value
// applied to XEP-0363 slots and uploads, SI (XEP-0096) and Jingle (XEP-0234) offers, the XEP-0065
// proxy and in-band bytestreams (XEP-0047). Modelled on IM&P's File Transfer Manager (enabled,
// supported types, maximum size) and Mitel's MaxAttachmentSize / AllowedAttachmentTypes /
// RestrictedAttachmentTypes (refused types apply only when no allow-list is set).
//
// The same parser reads the config file's `files.*` keys and the admin API's PUT body, and its
// errors name the key (conventions §8): `files.maxBytes: must be an integer 1..1099511627776`.
import { OptionsError, checkBoolean, checkInteger } from '@deskchat/core';

export interface FilePolicy {
  /** False refuses every transfer on every path. */
  enabled: boolean;
  /** Largest file, in bytes. */
  maxBytes: number;
  /** Accepted extensions (lower case, no dot); empty accepts every type not refused. */
  allowedTypes: string[];
  /** Refused extensions; used only when `allowedTypes` is empty. */
  refusedTypes: string[];
  /** Uploads one user may start in 24 hours; 0 = no limit. */
  maxFilesPerDay: number;
  /** Bytes one user may hold on the server at once (until expiry); 0 = no limit. */
  quotaBytesPerUser: number;
}

export const DEFAULT_FILE_POLICY: FilePolicy = Object.freeze({
  enabled: true,
  maxBytes: 5 * 1024 * 1024,
  allowedTypes: [],
  refusedTypes: ['exe', 'bat', 'cmd', 'com', 'vbs', 'msi', 'js', 'scr'],
  maxFilesPerDay: 100,
  quotaBytesPerUser: 100 * 1024 * 1024,
}) as FilePolicy;

export const POLICY_KEYS = Object.keys(DEFAULT_FILE_POLICY) as (keyof FilePolicy)[];

/** 1 TiB: beyond any upload this server should take, and exact in a JavaScript number. */
export const MAX_BYTES_LIMIT = 2 ** 40;
const EXTENSION = /^[a-z0-9][a-z0-9+_-]{0,15}$/;

/**
 * Reads a policy, each key over `base` (the defaults, or the config file's values). Accepts the
 * config file's shapes too: booleans and numbers as strings (environment variables), type lists
 * as arrays or comma-separated strings (`exe, bat, cmd`), extensions with or without the dot.
 * Throws OptionsError naming `prefix.key` for the first bad value or unknown key.
 */
export function parseFilePolicy(raw: unknown, prefix = 'files', base: FilePolicy = DEFAULT_FILE_POLICY): FilePolicy {
  if (raw === undefined || raw === null) return clone(base);
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new OptionsError(prefix, 'must be a mapping of policy settings');
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input)) if (!(POLICY_KEYS as string[]).includes(key)) throw new OptionsError(`${prefix}.${key}`, `unknown setting (known: ${POLICY_KEYS.join(', ')})`);
  const at = (key: keyof FilePolicy) => `${prefix}.${key}`;
  return {
    enabled: input.enabled === undefined ? base.enabled : checkBoolean(at('enabled'), input.enabled),
    maxBytes: input.maxBytes === undefined ? base.maxBytes : checkInteger(at('maxBytes'), input.maxBytes, 1, MAX_BYTES_LIMIT),
    allowedTypes: input.allowedTypes === undefined ? [...base.allowedTypes] : parseTypes(at('allowedTypes'), input.allowedTypes),
    refusedTypes: input.refusedTypes === undefined ? [...base.refusedTypes] : parseTypes(at('refusedTypes'), input.refusedTypes),
    maxFilesPerDay: input.maxFilesPerDay === undefined ? base.maxFilesPerDay : checkInteger(at('maxFilesPerDay'), input.maxFilesPerDay, 0, 1_000_000),
    quotaBytesPerUser: input.quotaBytesPerUser === undefined ? base.quotaBytesPerUser : checkInteger(at('quotaBytesPerUser'), input.quotaBytesPerUser, 0, MAX_BYTES_LIMIT),
  };
}

function parseTypes(key: string, value: unknown): string[] {
  const items = typeof value === 'string' ? (value.trim() === '' ? [] : value.split(',')) : value;
  if (!Array.isArray(items)) throw new OptionsError(key, 'must be a list of file extensions, e.g. ["pdf", "png"] or "pdf, png"');
  if (items.length > 200) throw new OptionsError(key, 'at most 200 extensions');
  const out: string[] = [];
  items.forEach((item, i) => {
    const ext = typeof item === 'string' ? item.trim().toLowerCase().replace(/^\./, '') : undefined;
    if (ext === undefined || !EXTENSION.test(ext)) {
      throw new OptionsError(`${key}[${i}]`, `must be a file extension of letters, digits, + _ - (got ${JSON.stringify(item)})`);
    }
    if (!out.includes(ext)) out.push(ext);
  });
  return out;
}

function clone(policy: FilePolicy): FilePolicy {
  return { ...policy, allowedTypes: [...policy.allowedTypes], refusedTypes: [...policy.refusedTypes] };
}
