// The File policy page's words: the policy as form strings, byte counts in hints, and the API's reasons put on the form's fields.
import { describe, expect, it } from '@jest/globals';
import { describeDefault, formatBytes, problemsByField, toValues } from './file-policy-view.js';

const policy = { enabled: true, maxBytes: 5242880, allowedTypes: [], refusedTypes: ['exe', 'bat'], maxFilesPerDay: 100, quotaBytesPerUser: 0 };

describe('file policy page', () => {
  it('shows the policy as the form\'s strings and the config file\'s values in words', () => {
    expect(toValues(policy)).toEqual({ enabled: 'true', maxBytes: '5242880', allowedTypes: '', refusedTypes: 'exe, bat', maxFilesPerDay: '100', quotaBytesPerUser: '0' });
    expect(describeDefault('maxBytes', policy)).toBe('5242880 (5 MiB)');
    expect(describeDefault('allowedTypes', policy)).toBe('none');
    expect(describeDefault('quotaBytesPerUser', policy)).toBe('0 (no limit)');
    expect(describeDefault('enabled', { ...policy, enabled: false })).toBe('refused');
  });

  it('writes byte counts as the hints show them', () => {
    expect(formatBytes(5 * 1024 * 1024)).toBe('5 MiB');
    expect(formatBytes(104857600)).toBe('100 MiB');
    expect(formatBytes(1500)).toBe('1.5 KiB');
    expect(formatBytes(10)).toBe('10 bytes');
    expect(formatBytes(0)).toBe('no limit');
  });

  it('puts a list item\'s reason on its list field and drops fields the form does not have', () => {
    expect(problemsByField({ 'allowedTypes[1]': 'must be a file extension', maxBytes: 'must be an integer', body: 'must be a JSON object' })).toEqual({
      allowedTypes: 'must be a file extension',
      maxBytes: 'must be an integer',
    });
    expect(problemsByField({ 'refusedTypes[0]': 'first', 'refusedTypes[3]': 'second' })).toEqual({ refusedTypes: 'first' });
  });
});
