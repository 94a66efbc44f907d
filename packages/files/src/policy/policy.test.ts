// The policy parser (conventions §8): the config file's shapes and the admin API's JSON both pass
// through it, and every error names the key.
import { describe, it, expect } from '@jest/globals';
import { DEFAULT_FILE_POLICY, parseFilePolicy } from './policy.js';

describe('parseFilePolicy', () => {
  it("defaults to Mitel's sizes and refused types: 5 MiB, exe bat cmd com vbs msi js scr", () => {
    expect(parseFilePolicy(undefined)).toEqual({
      enabled: true,
      maxBytes: 5 * 1024 * 1024,
      allowedTypes: [],
      refusedTypes: ['exe', 'bat', 'cmd', 'com', 'vbs', 'msi', 'js', 'scr'],
      maxFilesPerDay: 100,
      quotaBytesPerUser: 100 * 1024 * 1024,
    });
  });

  it('reads environment-style strings and comma lists, lower-cases extensions, drops dots and duplicates', () => {
    const policy = parseFilePolicy({ enabled: 'false', maxBytes: '1024', allowedTypes: ' .PDF, png,pdf ', refusedTypes: '' });
    expect(policy).toMatchObject({ enabled: false, maxBytes: 1024, allowedTypes: ['pdf', 'png'], refusedTypes: [] });
  });

  it('takes omitted keys from the base it is given (the config file under an admin value)', () => {
    const base = parseFilePolicy({ maxBytes: 1000, refusedTypes: ['exe'] });
    expect(parseFilePolicy({ enabled: false }, 'files', base)).toEqual({ ...base, enabled: false });
    expect(DEFAULT_FILE_POLICY.maxBytes).toBe(5 * 1024 * 1024); // the base is not changed
  });

  it('names the key of every bad value', () => {
    expect(() => parseFilePolicy({ maxBytes: 0 })).toThrow('files.maxBytes: must be an integer 1..1099511627776 (got 0)');
    expect(() => parseFilePolicy({ maxBytes: 1.5 })).toThrow('files.maxBytes');
    expect(() => parseFilePolicy({ enabled: 'yes' })).toThrow('files.enabled: must be true or false');
    expect(() => parseFilePolicy({ allowedTypes: ['pdf', 'p/df'] })).toThrow('files.allowedTypes[1]: must be a file extension');
    expect(() => parseFilePolicy({ refusedTypes: 7 })).toThrow('files.refusedTypes: must be a list of file extensions');
    expect(() => parseFilePolicy({ maxFilesPerDay: -1 })).toThrow('files.maxFilesPerDay');
    expect(() => parseFilePolicy({ quotaBytes: 1 })).toThrow('files.quotaBytes: unknown setting');
    expect(() => parseFilePolicy([], 'policy')).toThrow('policy: must be a mapping');
  });

  it('never shares its lists with the base or the caller', () => {
    const input = { allowedTypes: ['pdf'] };
    const policy = parseFilePolicy(input);
    policy.allowedTypes.push('exe');
    policy.refusedTypes.push('pdf');
    expect(input.allowedTypes).toEqual(['pdf']);
    expect(DEFAULT_FILE_POLICY.refusedTypes).not.toContain('pdf');
  });
});
