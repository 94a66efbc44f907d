// Where `deskchat user remove` looks for the running server's admin API (remove-on-server.ts).
import { describe, expect, it } from '@jest/globals';
import { adminEndpoint } from './remove-on-server.js';

describe('adminEndpoint', () => {
  it.each([
    ['0.0.0.0', '127.0.0.1', '127.0.0.1:5281'],
    ['::', '::1', '[::1]:5281'],
    ['127.0.0.1', '127.0.0.1', '127.0.0.1:5281'],
    ['10.1.2.3', '10.1.2.3', '10.1.2.3:5281'],
    ['fd00::7', 'fd00::7', '[fd00::7]:5281'],
  ])('reaches admin.host %s at %s (a wildcard bind is reached on loopback)', (bound, host, shown) => {
    expect(adminEndpoint({ host: bound, port: 5281 })).toEqual({ host, port: 5281, shown });
  });
});
