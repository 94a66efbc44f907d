// The sign-in written once for every transport: SASL PLAIN, restart, bind, and the RFC 3921
// session IQ where required (RFC 6120 §6.4, §7.6), driven through a scripted channel.
import { describe, it, expect } from '@jest/globals';
import { Inbox, SignInError, negotiate, type NegotiationChannel } from './xmpp-connection.js';

const FEATURES = "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>";
const BIND_FEATURES = "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>";
const SUCCESS = "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>";
const BOUND = "<iq type='result' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>u1@localhost/bench</jid></bind></iq>";

/** A channel that answers each send with the next scripted replies and records what happened. */
function scripted(initial: string[], replies: Record<string, string[]>, restartFeatures = BIND_FEATURES) {
  const inbox = new Inbox();
  const log: string[] = [];
  for (const element of initial) inbox.push(element);
  const channel: NegotiationChannel = {
    send: (data) => {
      const key = Object.keys(replies).find((k) => data.includes(k));
      log.push(key ?? data);
      for (const element of (key && replies[key]) || []) inbox.push(element);
    },
    next: () => inbox.next(200),
    restart: () => {
      log.push('restart');
      inbox.push(restartFeatures);
    },
  };
  return { channel, log };
}

describe('negotiate', () => {
  it('authenticates, restarts, binds and resolves with the bound JID (RFC 6120 §6.4.6, §7.6)', async () => {
    const { channel, log } = scripted([FEATURES], { mechanism: [SUCCESS], 'urn:ietf:params:xml:ns:xmpp-bind': [BOUND] });
    await expect(negotiate(channel, { username: 'u1', password: 'p', resource: 'bench' })).resolves.toBe('u1@localhost/bench');
    expect(log).toEqual(['mechanism', 'restart', 'urn:ietf:params:xml:ns:xmpp-bind']);
  });

  it('skips elements it does not wait for, such as a presence pushed early', async () => {
    const { channel } = scripted(['<presence/>', FEATURES], { mechanism: ['<message/>', SUCCESS], 'urn:ietf:params:xml:ns:xmpp-bind': [BOUND] });
    await expect(negotiate(channel, { username: 'u1', password: 'p' })).resolves.toBe('u1@localhost/bench');
  });

  it('sends the session IQ when the features require it (RFC 3921 §3)', async () => {
    const restartFeatures = "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></stream:features>";
    const replies = { mechanism: [SUCCESS], 'urn:ietf:params:xml:ns:xmpp-bind': [BOUND], "id='sess1'": ["<iq type='result' id='sess1'/>"] };
    const { channel, log } = scripted([FEATURES], replies, restartFeatures);
    await expect(negotiate(channel, { username: 'u1', password: 'p' })).resolves.toBe('u1@localhost/bench');
    expect(log).toEqual(['mechanism', 'restart', 'urn:ietf:params:xml:ns:xmpp-bind', "id='sess1'"]);
  });

  it('fails with the SASL condition on a failure (RFC 6120 §6.5)', async () => {
    const { channel } = scripted([FEATURES], { mechanism: ["<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>"] });
    await expect(negotiate(channel, { username: 'u1', password: 'bad' })).rejects.toThrow('SASL failure (not-authorized)');
  });

  it('refuses to go on when PLAIN is not offered (RFC 6120 §6.4.1)', async () => {
    const { channel } = scripted([FEATURES.replace('PLAIN', 'SCRAM-SHA-1')], {});
    await expect(negotiate(channel, { username: 'u1', password: 'p' })).rejects.toThrow('does not offer SASL PLAIN');
  });

  it('fails on a stream error and on a bind error (RFC 6120 §4.9, §7.6.2)', async () => {
    const streamError = "<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>";
    await expect(negotiate(scripted([streamError], {}).channel, { username: 'u1', password: 'p' })).rejects.toThrow('stream error while waiting for stream features: stream:error (policy-violation)');
    const bindError = "<iq type='error' id='bind1'><error type='cancel'><not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>";
    const { channel } = scripted([FEATURES], { mechanism: [SUCCESS], 'urn:ietf:params:xml:ns:xmpp-bind': [bindError] });
    await expect(negotiate(channel, { username: 'u1', password: 'p' })).rejects.toThrow('bind failed: iq (not-allowed)');
  });
});

describe('Inbox', () => {
  it('hands queued elements to waiters in order, then to the handler', async () => {
    const inbox = new Inbox();
    inbox.push('<a/>');
    const waiting = inbox.next(100);
    inbox.push('<b/>');
    expect(await waiting).toBe('<a/>');
    expect(await inbox.next(100)).toBe('<b/>');
    inbox.push('<c/>');
    const handled: string[] = [];
    inbox.drainTo((e) => handled.push(e));
    inbox.push('<d/>');
    expect(handled).toEqual(['<c/>', '<d/>']);
  });

  it('rejects a waiter when the connection fails, and later waits at once', async () => {
    const inbox = new Inbox();
    const waiting = inbox.next(1000);
    inbox.fail(new SignInError('connection closed by the server'));
    await expect(waiting).rejects.toThrow('connection closed by the server');
    await expect(inbox.next(1000)).rejects.toThrow('connection closed by the server');
  });
});
