// The policy's checks as every path applies them (issue #10): by the name and size an offer states,
// by the first bytes of the content, and by the user's usage.
import { describe, it, expect } from '@jest/globals';
import { checkContent, checkName, checkOffer, checkUsage, extensionOf } from './check.js';
import { parseFilePolicy } from './policy.js';
import { sniff } from './sniff.js';
import { pdf, png, text, windowsExecutable, zip } from '../__tests__/samples.js';

const defaults = parseFilePolicy({});
const allowList = parseFilePolicy({ allowedTypes: ['pdf', 'png', 'txt'] });

describe('extensions', () => {
  it('judges the last extension, as Windows opens it (trailing dots and spaces dropped)', () => {
    expect(extensionOf('report.pdf')).toBe('pdf');
    expect(extensionOf('report.PDF.exe')).toBe('exe');
    expect(extensionOf('virus.exe. .')).toBe('exe');
    expect(extensionOf('archive.tar.gz')).toBe('gz');
    expect(extensionOf('README')).toBe('');
    expect(extensionOf('.bashrc')).toBe('');
  });
});

describe('checkName (XEP-0363 §4: a name, not a path)', () => {
  it.each([['../../etc/passwd'], ['dir/report.pdf'], ['C:\\temp\\x.pdf'], ['..'], [''], ['bad\u0000name.pdf'], ['report\u202efdp.exe'], ['a'.repeat(256)]])('refuses %j', (name) => {
    expect(checkName(name)).toMatchObject({ code: 'bad-name' });
  });

  it('accepts ordinary names with spaces and any script', () => {
    expect(checkName('Quarterly report (final).pdf')).toBeUndefined();
    expect(checkName('très cool.jpg')).toBeUndefined();
    expect(checkName('報告.pdf')).toBeUndefined();
  });
});

describe('checkOffer', () => {
  it('refuses everything while transfers are disabled, citing files.enabled', () => {
    expect(checkOffer(parseFilePolicy({ enabled: false }), { name: 'a.pdf', size: 1 })).toMatchObject({ code: 'disabled', text: expect.stringContaining('files.enabled') });
  });

  it('refuses a file over maxBytes with the limit in bytes and in words (XEP-0363 §4.1)', () => {
    const refusal = checkOffer(parseFilePolicy({ maxBytes: 1000 }), { name: 'a.pdf', size: 1001 });
    expect(refusal).toMatchObject({ code: 'too-large', details: { maxBytes: 1000 } });
    expect(refusal!.text).toBe('File too large: a.pdf is 1001 bytes; the maximum is 1000 bytes (files.maxBytes)');
    expect(checkOffer(parseFilePolicy({ maxBytes: 1000 }), { name: 'a.pdf', size: 1000 })).toBeUndefined();
  });

  it('refuses the default refused types when there is no allow-list', () => {
    for (const name of ['setup.exe', 'run.BAT', 'x.cmd', 'x.com', 'x.vbs', 'x.msi', 'x.js', 'x.scr']) {
      expect(checkOffer(defaults, { name, size: 1 })).toMatchObject({ code: 'type-refused', text: expect.stringContaining('files.refusedTypes') });
    }
    expect(checkOffer(defaults, { name: 'notes.txt', size: 1 })).toBeUndefined();
    expect(checkOffer(defaults, { name: 'README', size: 1 })).toBeUndefined();
  });

  it('with an allow-list, accepts only its types (files without an extension too are refused) and ignores the refused list', () => {
    const policy = parseFilePolicy({ allowedTypes: ['pdf', 'exe'] });
    expect(checkOffer(policy, { name: 'a.pdf' })).toBeUndefined();
    expect(checkOffer(policy, { name: 'a.exe' })).toBeUndefined();
    expect(checkOffer(policy, { name: 'a.png' })).toMatchObject({ code: 'type-not-allowed', text: expect.stringContaining('accepted types: pdf, exe (files.allowedTypes)') });
    expect(checkOffer(policy, { name: 'README' })).toMatchObject({ code: 'type-not-allowed', text: expect.stringContaining('without an extension') });
  });

  it('judges only what an offer states: no name, no type check; no size, no size check', () => {
    expect(checkOffer(allowList, { size: 1 })).toBeUndefined();
    expect(checkOffer(parseFilePolicy({ maxBytes: 1 }), { name: 'a.pdf' })).toBeUndefined();
  });
});

describe('checkContent (magic bytes of the first chunk)', () => {
  it('refuses a renamed Windows executable sent as report.pdf', () => {
    expect(checkContent(defaults, 'report.pdf', windowsExecutable())).toMatchObject({
      code: 'content-refused',
      text: 'report.pdf is named as .pdf but its content is a Windows executable (.exe), which is not accepted (files.refusedTypes)',
    });
  });

  it('accepts content that agrees with its name, and content it does not know', () => {
    expect(checkContent(defaults, 'report.pdf', pdf())).toBeUndefined();
    expect(checkContent(defaults, 'diagram.png', png())).toBeUndefined();
    expect(checkContent(defaults, 'notes.txt', text())).toBeUndefined();
    expect(checkContent(allowList, 'notes.txt', text('MZ looks like a header but is text\n', 200))).toBeUndefined();
  });

  it('with an allow-list, refuses content that cannot be any allowed type, and accepts one that can', () => {
    expect(checkContent(allowList, 'report.pdf', zip())).toMatchObject({ code: 'content-refused', text: expect.stringContaining('a ZIP archive, which is not an accepted type') });
    expect(checkContent(allowList, 'photo.pdf', png())).toBeUndefined();
  });

  it('counts executables of every platform as exe', () => {
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(100)]);
    expect(checkContent(defaults, 'notes.txt', elf)).toMatchObject({ code: 'content-refused', text: expect.stringContaining('ELF') });
    expect(checkContent(defaults, 'libx.so', elf)).toBeUndefined();
  });

  it('recognises HTML and SVG after a BOM and whitespace, and not a text that merely mentions them', () => {
    expect(sniff(Buffer.from('\ufeff  <!DOCTYPE html><html>'))?.extensions).toContain('html');
    expect(sniff(Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'))?.extensions).toEqual(['svg']);
    expect(sniff(Buffer.from('my notes about <html> tags'))).toBeUndefined();
  });
});

describe('checkUsage', () => {
  const policy = parseFilePolicy({ maxFilesPerDay: 2, quotaBytesPerUser: 100 });

  it('refuses past the files a day with resource-constraint text citing files.maxFilesPerDay', () => {
    expect(checkUsage(policy, { filesToday: 1, bytesStored: 0 }, 1)).toBeUndefined();
    expect(checkUsage(policy, { filesToday: 2, bytesStored: 0 }, 1)).toMatchObject({ code: 'daily-limit', text: expect.stringContaining('at most 2 files in 24 hours') });
  });

  it('refuses a file that would take the user past the quota', () => {
    expect(checkUsage(policy, { filesToday: 0, bytesStored: 60 }, 40)).toBeUndefined();
    expect(checkUsage(policy, { filesToday: 0, bytesStored: 60 }, 41)).toMatchObject({ code: 'quota', text: expect.stringContaining('files.quotaBytesPerUser') });
  });

  it('treats 0 as no limit', () => {
    expect(checkUsage(parseFilePolicy({ maxFilesPerDay: 0, quotaBytesPerUser: 0 }), { filesToday: 1e6, bytesStored: 1e12 }, 1e9)).toBeUndefined();
  });
});
