// Stream negotiation through core's Session port (RFC 6120 §4–7), transport-free.
import { describe, it, expect } from '@jest/globals';
import xml from '@xmpp/xml';
import { NS, StreamError } from '@deskchat/protocol';
import { FakeTransport, Harness, isStanzaError } from '@deskchat/testing';
import { DEFAULT_CORE_OPTIONS } from './options.js';

const open = { to: 'localhost', version: '1.0', xmlns: NS.CLIENT };
const plain = (user: string, password: string) => xml('auth', { xmlns: NS.SASL, mechanism: 'PLAIN' }, Buffer.from(`\0${user}\0${password}`).toString('base64'));
const condition = (t: FakeTransport) => (t.closedWith instanceof StreamError ? t.closedWith.condition : t.closedWith);

async function started(options: ConstructorParameters<typeof FakeTransport>[0] = {}) {
  const harness = await Harness.create();
  await harness.addUser('alice', 'secret');
  const transport = new FakeTransport(options);
  const session = harness.core.createSession(transport);
  return { harness, transport, session };
}

describe('stream header (RFC 6120 §4.7)', () => {
  it('answers with our header, a fresh id and the features', async () => {
    const { transport, session } = await started();
    await session.onStreamOpen({ ...open, from: 'alice@localhost' });
    expect(transport.headers[0]).toMatchObject({ from: 'localhost', to: 'alice@localhost', version: '1.0' });
    expect(transport.headers[0].id.length).toBeGreaterThan(8);
    const features = await transport.next();
    expect(features.name).toBe('stream:features');
    expect(features.getChild('mechanisms', NS.SASL)).toBeDefined();
  });

  it('keeps the from of the opening header before authentication (discovery reads it)', async () => {
    const { session } = await started();
    await session.onStreamOpen({ ...open, from: 'Alice@localhost' });
    expect(session.streamFrom?.toString()).toBe('alice@localhost');
  });

  it('closes with host-unknown for a domain it does not serve (RFC 6120 §4.9.3.6)', async () => {
    const { transport, session } = await started();
    await session.onStreamOpen({ ...open, to: 'example.org' });
    expect(transport.headers).toHaveLength(1);
    expect(condition(transport)).toBe('host-unknown');
  });

  it('closes with unsupported-version for a pre-1.0 stream (RFC 6120 §4.7.5)', async () => {
    const { transport, session } = await started();
    await session.onStreamOpen({ to: 'localhost', xmlns: NS.CLIENT });
    expect(condition(transport)).toBe('unsupported-version');
  });

  it('closes with invalid-namespace for a default namespace other than jabber:client', async () => {
    const { transport, session } = await started();
    await session.onStreamOpen({ ...open, xmlns: NS.SERVER });
    expect(condition(transport)).toBe('invalid-namespace');
  });
});

describe('STARTTLS (RFC 6120 §5)', () => {
  it('offers only <starttls><required/></starttls> when TLS is required and possible', async () => {
    const { transport, session } = await started({ canStartTls: true, remoteAddress: '192.0.2.1' });
    await session.onStreamOpen(open);
    const features = await transport.next();
    expect(features.getChild('starttls', NS.TLS)?.getChild('required')).toBeDefined();
    expect(features.getChild('mechanisms', NS.SASL)).toBeUndefined();
  });

  it('refuses authentication before TLS with policy-violation', async () => {
    const { transport, session } = await started({ canStartTls: true, remoteAddress: '192.0.2.1' });
    await session.onStreamOpen(open);
    await session.onElement(plain('alice', 'secret'));
    expect(condition(transport)).toBe('policy-violation');
  });

  it('proceeds, upgrades, and then offers SASL on the new stream', async () => {
    const { transport, session } = await started({ canStartTls: true, remoteAddress: '192.0.2.1' });
    await session.onStreamOpen(open);
    transport.drain();
    await session.onElement(xml('starttls', { xmlns: NS.TLS }));
    expect((await transport.next()).name).toBe('proceed');
    expect(transport.isSecure()).toBe(true);
    await session.onStreamOpen(open);
    const features = await transport.next();
    expect(features.getChild('starttls', NS.TLS)).toBeUndefined();
    expect(features.getChild('mechanisms', NS.SASL)?.getChildren('mechanism').map((m) => m.getText())).toEqual(['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN']);
  });
});

describe('SASL (RFC 6120 §6)', () => {
  it('does not offer PLAIN on an unencrypted non-loopback connection', async () => {
    const { transport, session } = await started({ remoteAddress: '192.0.2.1' });
    await session.onStreamOpen(open);
    const names = (await transport.next()).getChild('mechanisms', NS.SASL)!.getChildren('mechanism').map((m) => m.getText());
    expect(names).toEqual(['SCRAM-SHA-256', 'SCRAM-SHA-1']);
    await session.onElement(plain('alice', 'secret'));
    expect((await transport.next()).getChild('encryption-required')).toBeDefined();
  });

  it('answers an unknown mechanism with invalid-mechanism and keeps the stream', async () => {
    const { transport, session } = await started();
    await session.onStreamOpen(open);
    transport.drain();
    await session.onElement(xml('auth', { xmlns: NS.SASL, mechanism: 'X-NOPE' }));
    expect((await transport.next()).getChild('invalid-mechanism')).toBeDefined();
    expect(transport.closedWith).toBeUndefined();
  });

  it('fails a wrong password with not-authorized and closes after the configured attempts (RFC 6120 §6.4.5)', async () => {
    const { transport, session, harness } = await started();
    await session.onStreamOpen(open);
    transport.drain();
    for (let i = 0; i < harness.core.options.limits.authAttemptsPerStream; i++) {
      await session.onElement(plain('alice', 'wrong'));
      expect((await transport.next()).getChild('not-authorized')).toBeDefined();
    }
    expect(condition(transport)).toBe('policy-violation');
  });

  it('refuses a stanza before authentication with not-authorized (RFC 6120 §6)', async () => {
    const { transport, session } = await started();
    await session.onStreamOpen(open);
    await session.onElement(xml('message', { to: 'bob@localhost' }, xml('body', {}, 'hi')));
    expect(condition(transport)).toBe('not-authorized');
  });

  it('succeeds, resets the stream, and offers bind after the restart', async () => {
    const { transport, session } = await started();
    await session.onStreamOpen(open);
    transport.drain();
    await session.onElement(plain('alice', 'secret'));
    expect((await transport.next()).name).toBe('success');
    expect(transport.resets).toBe(1);
    await session.onStreamOpen(open);
    expect((await transport.next()).getChild('bind', NS.BIND)).toBeDefined();
  });
});

describe('resource binding (RFC 6120 §7)', () => {
  it('generates a resource when the client asks for none', async () => {
    const { harness } = await started();
    const transport = new FakeTransport();
    const session = harness.core.createSession(transport);
    await session.onStreamOpen(open);
    await session.onElement(plain('alice', 'secret'));
    await session.onStreamOpen(open);
    transport.drain();
    await session.onElement(xml('iq', { type: 'set', id: 'b' }, xml('bind', { xmlns: NS.BIND })));
    const jid = (await transport.next()).getChild('bind', NS.BIND)!.getChildText('jid')!;
    expect(jid).toMatch(/^alice@localhost\/[0-9a-f]{12}$/);
  });

  it('replaces the older session holding the same resource, which gets a conflict stream error (RFC 6120 §7.7.2.2)', async () => {
    const { harness } = await started();
    const first = await harness.connect('alice', { resource: 'desk' });
    const second = await harness.connect('alice', { resource: 'desk' });
    expect(condition(first.transport)).toBe('conflict');
    expect(harness.core.sessions.get('alice', 'desk')).toBe(second.session);
  });

  it('refuses a bind past the sessions-per-user limit with resource-constraint (RFC 6120 §7.6.2.1)', async () => {
    const harness = await Harness.create({ core: { limits: { ...DEFAULT_CORE_OPTIONS.limits, sessionsPerUser: 1 } } });
    await harness.addUser('alice');
    await harness.connect('alice', { resource: 'one' });
    await expect(harness.connect('alice', { resource: 'two' })).rejects.toThrow(/resource-constraint/);
    expect(harness.core.sessions.forUser('alice')).toHaveLength(1);
  });

  it('ends the stream with invalid-from when a stanza claims another JID (RFC 6120 §8.1.2.1)', async () => {
    const { harness } = await started();
    const alice = await harness.connect('alice');
    await alice.send(xml('message', { from: 'bob@localhost/x', to: 'alice@localhost' }));
    expect(condition(alice.transport)).toBe('invalid-from');
  });

  it('answers an iq without an id with bad-request (RFC 6120 §8.2.3)', async () => {
    const { harness } = await started();
    const alice = await harness.connect('alice');
    await alice.send(xml('iq', { type: 'get' }, xml('ping', { xmlns: NS.PING })));
    expect(isStanzaError(await alice.next(), 'bad-request')).toBe(true);
  });
});

describe('reserved resources', () => {
  it('refuses to bind a resource the server publishes from itself with not-allowed (RFC 6120 §7.7.2.1)', async () => {
    const harness = await Harness.create();
    await harness.addUser('alice');
    harness.core.reservedResources.add('composed');
    await expect(harness.connect('alice', { resource: 'composed' })).rejects.toThrow(/not-allowed/);
    await expect(harness.connect('alice', { resource: 'desk' })).resolves.toBeDefined();
  });
});

describe('failed-sign-in lockout (design.md §7, issue #7 §4)', () => {
  async function attempts(harness: Harness, address: string, tries: [string, string][]): Promise<string[]> {
    const transport = new FakeTransport({ remoteAddress: address });
    const session = harness.core.createSession(transport);
    await session.onStreamOpen(open);
    transport.drain();
    const outcomes: string[] = [];
    for (const [user, password] of tries) {
      await session.onElement(plain(user, password));
      const answer = await transport.next((el) => el.attrs.xmlns === NS.SASL);
      outcomes.push(answer.name === 'success' ? 'success' : answer.getChildElements()[0].name);
      if (answer.name === 'success') break;
    }
    return outcomes;
  }
  const limits = (over: Partial<typeof DEFAULT_CORE_OPTIONS.limits>) => ({ core: { limits: { ...DEFAULT_CORE_OPTIONS.limits, authAttemptsPerStream: 10, ...over } } });

  it('locks one username from one address past authFailuresPerUser, even with the right password', async () => {
    const harness = await Harness.create(limits({ authFailuresPerUser: 2 }));
    await harness.addUser('alice', 'secret');
    expect(await attempts(harness, '127.0.0.9', [['alice', 'guess'], ['alice', 'guess'], ['alice', 'secret']])).toEqual(['not-authorized', 'not-authorized', 'temporary-auth-failure']);
  });

  it('does not lock the other agents behind the same NAT address out: twenty typos lock one user only (issue #7 §4)', async () => {
    const harness = await Harness.create({ core: { limits: { ...DEFAULT_CORE_OPTIONS.limits, authAttemptsPerStream: 10 } } }); // default lockout settings
    for (const user of ['alice', 'bob']) await harness.addUser(user, 'secret');
    for (let i = 0; i < 2; i++) await attempts(harness, '127.0.0.9', Array.from({ length: 10 }, () => ['alice', 'typo'] as [string, string]));
    expect(await attempts(harness, '127.0.0.9', [['alice', 'secret']])).toEqual(['temporary-auth-failure']);
    expect(await attempts(harness, '127.0.0.9', [['bob', 'secret']])).toEqual(['success']);
    // Nor alice from another address.
    expect(await attempts(harness, '127.0.0.10', [['alice', 'secret']])).toEqual(['success']);
  });

  it('locks a whole address past the much higher authFailuresPerAddress ceiling (password spraying)', async () => {
    const harness = await Harness.create(limits({ authFailuresPerUser: 5, authFailuresPerAddress: 4 }));
    for (const user of ['alice', 'bob', 'carol', 'dave', 'erin']) await harness.addUser(user, 'secret');
    const sprayed = await attempts(harness, '127.0.0.9', [['alice', 'x'], ['bob', 'x'], ['carol', 'x'], ['dave', 'x'], ['erin', 'secret']]);
    expect(sprayed).toEqual(['not-authorized', 'not-authorized', 'not-authorized', 'not-authorized', 'temporary-auth-failure']);
  });

  it('clears the count of a username on a successful sign-in', async () => {
    const harness = await Harness.create(limits({ authFailuresPerUser: 2 }));
    await harness.addUser('alice', 'secret');
    expect(await attempts(harness, '127.0.0.9', [['alice', 'guess'], ['alice', 'secret']])).toEqual(['not-authorized', 'success']);
    expect(await attempts(harness, '127.0.0.9', [['alice', 'guess'], ['alice', 'secret']])).toEqual(['not-authorized', 'success']);
  });
});
