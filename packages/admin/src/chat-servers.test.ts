// Validation of the Primary / Secondary Chat Server URLs (the admin API and page use these reasons).
import { describe, expect, it } from '@jest/globals';
import { parseChatServers } from './chat-servers.js';

const secure = { allowInsecure: false };

describe('parseChatServers', () => {
  it('accepts https BOSH URLs with /http-bind or /httpbinding, normalised, and an optional secondary', () => {
    expect(parseChatServers({ primary: ' https://IMP1.example.com:5280/http-bind ', secondary: 'https://imp2.example.com:443/httpbinding' }, secure)).toEqual({
      value: { primary: 'https://imp1.example.com:5280/http-bind', secondary: 'https://imp2.example.com/httpbinding' },
    });
    expect(parseChatServers({ primary: 'https://imp1.example.com/http-bind', secondary: '' }, secure)).toEqual({ value: { primary: 'https://imp1.example.com/http-bind', secondary: null } });
    expect(parseChatServers({ primary: 'https://imp1.example.com/http-bind', secondary: null }, secure)).toEqual({ value: { primary: 'https://imp1.example.com/http-bind', secondary: null } });
  });

  it.each([
    [{ primary: '' }, 'primary', /^required/],
    [{}, 'primary', /^required/],
    [{ primary: 42 }, 'primary', /must be a URL string/],
    [{ primary: 'imp1.example.com/http-bind' }, 'primary', /not an absolute URL/],
    [{ primary: 'http://imp1.example.com/http-bind' }, 'primary', /must use https \(plain http only with admin.allowInsecureChatUrls/],
    [{ primary: 'ftp://imp1.example.com/http-bind' }, 'primary', /must be an https URL/],
    [{ primary: 'https://user:pw@imp1.example.com/http-bind' }, 'primary', /must not contain a user name or password/],
    [{ primary: 'https://imp1.example.com/' }, 'primary', /the path must be the BOSH path \/http-bind or \/httpbinding \(got '\/'\)/],
    [{ primary: 'https://imp1.example.com/chat' }, 'primary', /got '\/chat'/],
    [{ primary: 'https://imp1.example.com/http-bind?x=1' }, 'primary', /must not have a query or a fragment/],
    [{ primary: 'https://imp1.example.com/http-bind#top' }, 'primary', /must not have a query or a fragment/],
    [{ primary: `https://imp1.example.com/http-bind`, secondary: 'https://imp1.example.com:443/http-bind' }, 'secondary', /must differ from the primary/],
    [{ primary: 'https://imp1.example.com/http-bind', secondary: 'nonsense' }, 'secondary', /not an absolute URL/],
    [{ primary: 'https://imp1.example.com/http-bind', tertiary: 'x' }, 'tertiary', /unknown field/],
    [{ primary: `https://imp1.example.com/${'a'.repeat(2048)}` }, 'primary', /longer than 2048 characters/],
  ])('refuses %j with a reason for %s', (input, field, reason) => {
    const result = parseChatServers(input, secure);
    expect(result).toHaveProperty('problems');
    expect((result as { problems: Record<string, string> }).problems[field]).toMatch(reason);
  });

  it('refuses a body that is not an object', () => {
    expect(parseChatServers(['https://a/http-bind'], secure)).toEqual({ problems: { body: expect.stringContaining('JSON object') } });
  });

  it('accepts plain http only with allowInsecure (development)', () => {
    expect(parseChatServers({ primary: 'http://127.0.0.1:5280/http-bind' }, { allowInsecure: true })).toEqual({ value: { primary: 'http://127.0.0.1:5280/http-bind', secondary: null } });
  });

  it('reports both fields at once', () => {
    const result = parseChatServers({ primary: 'http://a.example/http-bind', secondary: 'https://b.example/x' }, secure) as { problems: Record<string, string> };
    expect(Object.keys(result.problems).sort()).toEqual(['primary', 'secondary']);
  });
});
