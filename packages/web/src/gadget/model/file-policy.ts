// The file policy the server advertises (docs/files.md "Discovery": XEP-0363's max-file-size and
// the type lists of urn:deskchat:file-policy:0), and the same checks the server makes on a slot
// request's name and size, so that the gadget explains a refusal before sending anything. The
// server still judges every request (and the content) on its own. DOM-free.

export interface UploadPolicy {
  /** The largest file, in bytes (undefined: the server names no limit). */
  maxBytes?: number;
  /** When not empty, only these extensions are accepted. */
  allowedTypes: string[];
  /** Refused extensions, used only when allowedTypes is empty. */
  refusedTypes: string[];
}

export type FileRefusal =
  | { kind: 'type-not-allowed'; ext: string; allowed: string[] }
  | { kind: 'type-refused'; ext: string }
  | { kind: 'too-large'; size: number; maxBytes: number };

/**
 * The extension the server judges a name by: after the last dot, lower-cased, once trailing dots
 * and spaces are gone (Windows opens "virus.exe." as "virus.exe"). "" when there is none.
 */
export function extensionOf(name: string): string {
  const trimmed = name.replace(/[. ]+$/, '');
  const dot = trimmed.lastIndexOf('.');
  return dot <= 0 ? '' : trimmed.slice(dot + 1).toLowerCase();
}

/** Why the server would refuse this file, or undefined when it would take it. Type first, as the server does. */
export function checkFile(policy: UploadPolicy, file: { name: string; size: number }): FileRefusal | undefined {
  const ext = extensionOf(file.name);
  if (policy.allowedTypes.length > 0) {
    if (!ext || !policy.allowedTypes.includes(ext)) return { kind: 'type-not-allowed', ext, allowed: policy.allowedTypes };
  } else if (ext && policy.refusedTypes.includes(ext)) {
    return { kind: 'type-refused', ext };
  }
  if (policy.maxBytes !== undefined && file.size > policy.maxBytes) return { kind: 'too-large', size: file.size, maxBytes: policy.maxBytes };
  return undefined;
}

/** "1.2 MB": sizes for people, written as the server's refusal texts write them (powers of 1024). */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
