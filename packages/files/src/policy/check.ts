// The policy's checks, shared by every path (issue #10): a file offered with a name and a size (an
// XEP-0363 slot request, an SI or Jingle offer), its first bytes (an upload, the proxy), and the
// owner's usage (files a day, bytes held). Each returns a Refusal or undefined.
import { Refusal, formatBytes } from '../refusals.js';
import type { FilePolicy } from './policy.js';
import { sniff } from './sniff.js';

/** Longest name accepted: most file systems stop at 255 bytes. */
const MAX_NAME_BYTES = 255;
// Control characters (C0, DEL, C1) and the bidirectional overrides that disguise an extension
// ("report‮fdp.exe" shows as "reportexe.pdf").
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

export interface OfferedFile {
  name?: string;
  size?: number;
}

/**
 * The extension a name is judged by: after the last dot, lower-cased, once trailing dots and
 * spaces are gone (Windows drops them, so "virus.exe." opens as "virus.exe"). "" when none.
 */
export function extensionOf(name: string): string {
  const trimmed = name.replace(/[. ]+$/, '');
  const dot = trimmed.lastIndexOf('.');
  return dot <= 0 ? '' : trimmed.slice(dot + 1).toLowerCase();
}

/** A file name with no path, no control or direction characters, and of a sane length. */
export function checkName(name: string): Refusal | undefined {
  const bad = (why: string) => new Refusal('bad-name', `the file name ${why} (XEP-0363 §4: a name, not a path)`);
  if (name.trim() === '') return bad('is empty');
  if (name.includes('/') || name.includes('\\')) return bad('must not contain a path');
  if (name === '.' || name === '..') return bad(`must not be '${name}'`);
  if (UNSAFE.test(name)) return bad('must not contain control or text-direction characters');
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) return bad(`must be at most ${MAX_NAME_BYTES} bytes long`);
  return undefined;
}

/** Whether an extension passes the type lists: the allow-list when set, else the refused list. */
function typeRefusal(policy: FilePolicy, name: string): Refusal | undefined {
  const ext = extensionOf(name);
  if (policy.allowedTypes.length > 0) {
    if (ext && policy.allowedTypes.includes(ext)) return undefined;
    const what = ext ? `files of type .${ext} are` : 'files without an extension are';
    return new Refusal('type-not-allowed', `${name}: ${what} not accepted; accepted types: ${policy.allowedTypes.join(', ')} (files.allowedTypes)`);
  }
  if (ext && policy.refusedTypes.includes(ext)) return new Refusal('type-refused', `${name}: files of type .${ext} are not accepted (files.refusedTypes)`);
  return undefined;
}

/** An offer by what it states: enabled, name (safe, accepted type) and size. */
export function checkOffer(policy: FilePolicy, file: OfferedFile): Refusal | undefined {
  if (!policy.enabled) return new Refusal('disabled', 'file transfer is disabled by the administrator (files.enabled)');
  if (file.name !== undefined) {
    const refusal = checkName(file.name) ?? typeRefusal(policy, file.name);
    if (refusal) return refusal;
  }
  if (file.size !== undefined && file.size > policy.maxBytes) {
    const what = file.name ?? 'the file';
    return new Refusal('too-large', `File too large: ${what} is ${sized(file.size)}; the maximum is ${sized(policy.maxBytes, 'files.maxBytes')}`, {
      maxBytes: policy.maxBytes,
    });
  }
  return undefined;
}

/** "1.9 MB (2000001 bytes)": the exact count too, since two sizes may round alike. */
function sized(bytes: number, setting?: string): string {
  if (bytes < 1024) return `${formatBytes(bytes)}${setting ? ` (${setting})` : ''}`;
  return `${formatBytes(bytes)} (${bytes} bytes${setting ? `, ${setting}` : ''})`;
}

/**
 * The first bytes against the name. When the content is of a kind whose extensions include the
 * name's, the name was already judged. Otherwise the content is judged by what it really is: with
 * an allow-list it must be able to be one of the allowed types; without one it must not be able
 * to be any refused type (an `.exe` sent as `report.pdf` is refused; so is an Office 97 file
 * renamed away from its type while `msi`, which shares its container, is refused).
 */
export function checkContent(policy: FilePolicy, name: string, head: Uint8Array): Refusal | undefined {
  const found = sniff(head);
  if (!found) return undefined;
  const ext = extensionOf(name);
  if (ext && found.extensions.includes(ext)) return undefined;
  const claimed = ext ? `.${ext}` : 'no type';
  if (policy.allowedTypes.length > 0) {
    if (found.extensions.some((e) => policy.allowedTypes.includes(e))) return undefined;
    return new Refusal('content-refused', `${name} is named as ${claimed} but its content is ${found.label}, which is not an accepted type (files.allowedTypes: ${policy.allowedTypes.join(', ')})`);
  }
  const refused = found.extensions.find((e) => policy.refusedTypes.includes(e));
  if (!refused) return undefined;
  return new Refusal('content-refused', `${name} is named as ${claimed} but its content is ${found.label} (.${refused}), which is not accepted (files.refusedTypes)`);
}

export interface Usage {
  /** Uploads the user started in the last 24 hours. */
  filesToday: number;
  /** Bytes the user holds now. */
  bytesStored: number;
}

/** One more file of `size` bytes against the daily count and the quota. */
export function checkUsage(policy: FilePolicy, usage: Usage, size: number): Refusal | undefined {
  if (policy.maxFilesPerDay > 0 && usage.filesToday >= policy.maxFilesPerDay) {
    return new Refusal('daily-limit', `Quota reached: you can send at most ${policy.maxFilesPerDay} files in 24 hours (files.maxFilesPerDay)`);
  }
  if (policy.quotaBytesPerUser > 0 && usage.bytesStored + size > policy.quotaBytesPerUser) {
    return new Refusal(
      'quota',
      `Quota reached: your files on the server take ${formatBytes(usage.bytesStored)} of ${formatBytes(policy.quotaBytesPerUser)}; this one needs ${formatBytes(size)} more (files.quotaBytesPerUser; files are removed when they expire)`,
    );
  }
  return undefined;
}
