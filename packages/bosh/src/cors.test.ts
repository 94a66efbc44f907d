// Which browser origins may use BOSH and WebSocket (Fetch CORS, RFC 6455 §10.2).
import { describe, it, expect } from '@jest/globals';
import { OriginPolicy } from './cors.js';

describe('OriginPolicy', () => {
  const policy = new OriginPolicy(['https://finesse.example.com']);

  it('needs nothing for a request without Origin (not a browser page on another origin)', () => {
    expect(policy.decide(undefined, 'chat.example.com:5280')).toBeUndefined();
  });

  it("needs nothing for the server's own origin", () => {
    expect(policy.decide('https://chat.example.com:5280', 'chat.example.com:5280')).toBeUndefined();
  });

  it('echoes a configured origin', () => {
    expect(policy.decide('https://finesse.example.com', 'chat.example.com:5280')).toBe('https://finesse.example.com');
  });

  it('refuses any other origin, and the opaque "null" origin', () => {
    expect(policy.decide('https://evil.example.net', 'chat.example.com:5280')).toBe(false);
    expect(policy.decide('null', 'chat.example.com:5280')).toBe(false);
  });

  it('allows every origin with * only when it was configured', () => {
    expect(new OriginPolicy(['*']).decide('https://any.example.net', 'chat.example.com')).toBe('*');
    expect(new OriginPolicy([]).decide('https://any.example.net', 'chat.example.com')).toBe(false);
  });
});
