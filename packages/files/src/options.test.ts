// The `files` config section: policy keys and service keys in one mapping, errors that name the key.
import { describe, it, expect } from '@jest/globals';
import { DEFAULT_FILES_OPTIONS, parseFilesOptions } from './options.js';

describe('parseFilesOptions', () => {
  it('defaults: 72 h expiry, proxy on 7777, downloads without sign-in', () => {
    expect(parseFilesOptions(undefined)).toEqual(DEFAULT_FILES_OPTIONS);
    expect(DEFAULT_FILES_OPTIONS).toMatchObject({ expiryHours: 72, downloadRequiresAuth: false, proxy: { port: 7777 } });
  });

  it('splits policy keys from service keys', () => {
    const options = parseFilesOptions({ maxBytes: 2048, refusedTypes: 'exe', expiryHours: '24', proxyPort: 0, proxyHost: '127.0.0.1', publicUrl: 'https://chat.example.com:5280/' });
    expect(options.policy).toMatchObject({ maxBytes: 2048, refusedTypes: ['exe'] });
    expect(options).toMatchObject({ expiryHours: 24, publicUrl: 'https://chat.example.com:5280', proxy: { port: 0, host: '127.0.0.1' } });
  });

  it('names the key of a bad or unknown setting', () => {
    expect(() => parseFilesOptions({ expiryHours: 0 })).toThrow('files.expiryHours: must be an integer 1..8760');
    expect(() => parseFilesOptions({ proxyPort: 70000 })).toThrow('files.proxyPort');
    expect(() => parseFilesOptions({ publicUrl: 'ftp://x' })).toThrow('files.publicUrl: must be an http or https URL');
    expect(() => parseFilesOptions({ maxbytes: 1 })).toThrow('files.maxbytes: unknown setting');
    expect(() => parseFilesOptions({ maxBytes: 'big' })).toThrow('files.maxBytes');
  });
});
