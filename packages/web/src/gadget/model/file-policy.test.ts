// The policy checks the gadget makes before uploading (docs/files.md "The policy"): the same
// extension rule and the same order as the server's slot check, so what it explains is what the
// server would refuse.
import { describe, expect, it } from '@jest/globals';
import { checkFile, extensionOf, formatSize, type UploadPolicy } from './file-policy.js';

const defaults: UploadPolicy = { maxBytes: 5 * 1024 * 1024, allowedTypes: [], refusedTypes: ['exe', 'bat', 'js'] };

describe('extensionOf', () => {
  it('takes the last extension, lower-cased, after trailing dots and spaces (Windows drops them)', () => {
    expect(extensionOf('Report.PDF')).toBe('pdf');
    expect(extensionOf('archive.tar.gz')).toBe('gz');
    expect(extensionOf('virus.exe. . ')).toBe('exe');
    expect(extensionOf('README')).toBe('');
    expect(extensionOf('.profile')).toBe('');
  });
});

describe('checkFile', () => {
  it('refuses a type on the refused list (files.refusedTypes), whatever its case or trailing dots', () => {
    expect(checkFile(defaults, { name: 'setup.EXE.', size: 10 })).toEqual({ kind: 'type-refused', ext: 'exe' });
    expect(checkFile(defaults, { name: 'notes.txt', size: 10 })).toBeUndefined();
    expect(checkFile(defaults, { name: 'Makefile', size: 10 })).toBeUndefined();
  });

  it('with an allow-list, accepts only its types (not files without an extension) and ignores the refused list', () => {
    const allow = { ...defaults, allowedTypes: ['pdf', 'js'] };
    expect(checkFile(allow, { name: 'a.pdf', size: 1 })).toBeUndefined();
    expect(checkFile(allow, { name: 'a.js', size: 1 })).toBeUndefined();
    expect(checkFile(allow, { name: 'a.txt', size: 1 })).toEqual({ kind: 'type-not-allowed', ext: 'txt', allowed: ['pdf', 'js'] });
    expect(checkFile(allow, { name: 'README', size: 1 })).toEqual({ kind: 'type-not-allowed', ext: '', allowed: ['pdf', 'js'] });
  });

  it('refuses a file over max-file-size (the limit itself is accepted), and judges the type first', () => {
    expect(checkFile(defaults, { name: 'big.pdf', size: 5 * 1024 * 1024 })).toBeUndefined();
    expect(checkFile(defaults, { name: 'big.pdf', size: 5 * 1024 * 1024 + 1 })).toEqual({ kind: 'too-large', size: 5 * 1024 * 1024 + 1, maxBytes: 5 * 1024 * 1024 });
    expect(checkFile(defaults, { name: 'big.exe', size: 6 * 1024 * 1024 })).toMatchObject({ kind: 'type-refused' });
    expect(checkFile({ allowedTypes: [], refusedTypes: [] }, { name: 'huge.iso', size: 2 ** 40 })).toBeUndefined();
  });
});

describe('formatSize', () => {
  it('writes sizes as the server’s refusal texts do', () => {
    expect(formatSize(183)).toBe('183 bytes');
    expect(formatSize(2048)).toBe('2 KB');
    expect(formatSize(183422)).toBe('179.1 KB');
    expect(formatSize(5 * 1024 * 1024)).toBe('5 MB');
  });
});
