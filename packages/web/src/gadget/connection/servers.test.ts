// Where the gadget connects (design.md §5, "Desktop Chat Server Settings"): the node's public
// settings endpoint, else the embedding page's parameters, else the page's own origin; and the
// order in which servers are tried.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { CHAT_SERVERS_PATH, failoverOrder, resolveChatServers, serviceUrl, signInJid, type ResolveOptions } from './servers.js';

type Fetch = ResolveOptions['fetch'];
const answer = (status: number, body: unknown): Fetch => async () => ({ ok: status < 300, status, json: async () => body });
const PAGE = 'https://desk.example.com:5280/chat/';

afterEach(() => {
  jest.useRealTimers();
});

describe('resolveChatServers', () => {
  it('reads the Primary and Secondary from the public endpoint on the page’s origin', async () => {
    const asked: string[] = [];
    const fetch: Fetch = async (url) => {
      asked.push(url);
      return { ok: true, status: 200, json: async () => ({ primary: 'https://a.example.com:5280/http-bind', secondary: 'https://b.example.com:5280/http-bind' }) };
    };
    const servers = await resolveChatServers({ pageUrl: `${PAGE}?primary=https://ignored/`, fetch });
    expect(asked).toEqual([`https://desk.example.com:5280${CHAT_SERVERS_PATH}`]);
    expect(servers).toEqual({ primary: 'https://a.example.com:5280/http-bind', secondary: 'https://b.example.com:5280/http-bind', transport: 'bosh', source: 'endpoint' });
  });

  it('falls back to the page’s parameters (plain or as OpenSocial up_ prefs) when the endpoint is missing', async () => {
    expect(await resolveChatServers({ pageUrl: `${PAGE}?primary=https://p/http-bind&secondary=https://s/http-bind&domain=example.com`, fetch: answer(404, null) })).toEqual({
      primary: 'https://p/http-bind',
      secondary: 'https://s/http-bind',
      domain: 'example.com',
      transport: 'bosh',
      source: 'page',
    });
    expect(await resolveChatServers({ pageUrl: `${PAGE}?up_primary=https%3A%2F%2Fp%2Fhttp-bind&up_secondary=&transport=websocket`, fetch: answer(404, null) })).toEqual({ primary: 'https://p/http-bind', transport: 'websocket', source: 'page' });
  });

  it('ignores a malformed endpoint answer or URL and ends with the page’s own origin', async () => {
    const servers = await resolveChatServers({ pageUrl: `${PAGE}?primary=javascript:alert(1)`, fetch: answer(200, { primary: 'not a url' }) });
    expect(servers).toEqual({ primary: 'https://desk.example.com:5280/http-bind', transport: 'bosh', source: 'origin' });
    const failing: Fetch = async () => {
      throw new TypeError('network');
    };
    expect((await resolveChatServers({ pageUrl: PAGE, fetch: failing })).source).toBe('origin');
  });

  it('gives up on an endpoint that never answers', async () => {
    jest.useFakeTimers();
    const hanging: Fetch = (_url, init) => new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    const pending = resolveChatServers({ pageUrl: PAGE, fetch: hanging, timeoutMs: 3000 });
    jest.advanceTimersByTime(3000);
    expect((await pending).source).toBe('origin');
  });
});

describe('failoverOrder', () => {
  it('is home → backup → Primary → Secondary, each once', () => {
    expect(failoverOrder({ home: 'h', backup: 'b', primary: 'p', secondary: 's' })).toEqual(['h', 'b', 'p', 's']);
    expect(failoverOrder({ home: 'p', primary: 'p', secondary: 's' })).toEqual(['p', 's']);
    expect(failoverOrder({ primary: 'p' })).toEqual(['p']);
  });
});

describe('signInJid and serviceUrl', () => {
  const servers = { primary: 'https://chat.example.com:5280/http-bind', transport: 'bosh' as const, source: 'origin' as const };
  it('adds the configured domain, else the server’s host name, to a bare username', () => {
    expect(signInJid(' JDoe ', { ...servers, domain: 'example.com' })).toEqual({ jid: 'jdoe@example.com', domain: 'example.com' });
    expect(signInJid('jdoe', servers)).toEqual({ jid: 'jdoe@chat.example.com', domain: 'chat.example.com' });
    expect(signInJid('jdoe@Other.org', servers)).toEqual({ jid: 'jdoe@other.org', domain: 'other.org' });
    for (const bad of ['', 'a b', '@x', 'x@', 'a/b']) expect(signInJid(bad, servers)).toBeUndefined();
  });

  it('maps a BOSH URL to the same host’s WebSocket endpoint when WebSocket is chosen', () => {
    expect(serviceUrl('https://c.example.com:5280/http-bind', 'websocket')).toBe('wss://c.example.com:5280/xmpp-websocket');
    expect(serviceUrl('http://c:5280/httpbinding', 'websocket')).toBe('ws://c:5280/xmpp-websocket');
    expect(serviceUrl('http://c:5280/httpbinding', 'bosh')).toBe('http://c:5280/httpbinding');
  });
});
