// What the admin page's File policy says (DOM-free, so jest checks it): the answer of
// GET /api/v1/settings/files, the form's fields with their labels and hints, the policy as the
// form's strings, byte counts in words, and the API's reasons put on the form's fields.

export interface FilePolicy {
  enabled: boolean;
  maxBytes: number;
  allowedTypes: string[];
  refusedTypes: string[];
  maxFilesPerDay: number;
  quotaBytesPerUser: number;
}

export interface FilePolicyReport {
  policy: FilePolicy;
  source: 'config' | 'admin';
  defaults: FilePolicy;
  updatedAt?: number;
  updatedBy?: string;
}

export type FilePolicyKey = keyof FilePolicy;
export type FilePolicyValues = Record<FilePolicyKey, string>;

export const FILE_POLICY_FIELDS: { key: FilePolicyKey; label: string; hint: string; kind: 'check' | 'number' | 'list' }[] = [
  { key: 'enabled', label: 'Allow file transfer', hint: 'Unticked refuses every transfer, on every path (uploads, SI and Jingle offers, proxy, in-band)', kind: 'check' },
  { key: 'maxBytes', label: 'Maximum file size (bytes)', hint: 'The largest file; announced to clients as max-file-size', kind: 'number' },
  { key: 'allowedTypes', label: 'Allowed types', hint: 'Extensions separated by commas, e.g. pdf, png, docx; when set, nothing else is accepted (empty: all types not refused)', kind: 'list' },
  { key: 'refusedTypes', label: 'Refused types', hint: 'Extensions separated by commas; used only when Allowed types is empty', kind: 'list' },
  { key: 'maxFilesPerDay', label: 'Files per user per day (0: no limit)', hint: 'Uploads one user may start in any 24 hours', kind: 'number' },
  { key: 'quotaBytesPerUser', label: 'Quota per user (bytes, 0: no limit)', hint: 'Bytes one user may hold on the server until their files expire', kind: 'number' },
];

export function toValues(p: FilePolicy): FilePolicyValues {
  return {
    enabled: String(p.enabled),
    maxBytes: String(p.maxBytes),
    allowedTypes: p.allowedTypes.join(', '),
    refusedTypes: p.refusedTypes.join(', '),
    maxFilesPerDay: String(p.maxFilesPerDay),
    quotaBytesPerUser: String(p.quotaBytesPerUser),
  };
}

/** A config-file value as the hint shows it. */
export function describeDefault(key: FilePolicyKey, p: FilePolicy): string {
  const v = p[key];
  if (typeof v === 'boolean') return v ? 'allowed' : 'refused';
  if (Array.isArray(v)) return v.length ? v.join(', ') : 'none';
  return key === 'maxBytes' || key === 'quotaBytesPerUser' ? `${v} (${formatBytes(v)})` : String(v);
}

/** 5242880 → "5 MiB"; for the hints beside byte counts. */
export function formatBytes(n: number): string {
  if (n === 0) return 'no limit';
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}

/** The API names list items (`allowedTypes[1]`); the form has one field per list. */
export function problemsByField(fields: Record<string, string>): Partial<FilePolicyValues> {
  const out: Partial<FilePolicyValues> = {};
  for (const [name, reason] of Object.entries(fields)) {
    const key = name.replace(/\[\d+\]$/, '') as FilePolicyKey;
    if (FILE_POLICY_FIELDS.some((f) => f.key === key) && out[key] === undefined) out[key] = reason;
  }
  return out;
}
