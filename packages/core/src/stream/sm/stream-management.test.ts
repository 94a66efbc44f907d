// XEP-0198 stream management through the harness, one rule per test: the feature (§2), enabling
// (§3), acks and counters (§4), resumption (§5), errors (§6) and unfinished streams (§7). Timers
// run on a manual clock; absence is proven with a later marker, never a sleep.
import { describe, it, expect } from '@jest/globals';
import xml from '@xmpp/xml';
import { NS, StreamError } from '@deskchat/protocol';
import { FakeTransport, sm as t } from '@deskchat/testing';
import type { MemoryNodeBus } from '../../volatile/index.js';

const { smWorld, enable, lose, chat, bodies, hasBody, resumeStream, failedCondition, isSm, SM } = t;
const MAX = 2 ** 32;

describe('the stream feature (§2)', () => {
  it('is offered after authentication, after <bind/>, and never before', async () => {
    const { harness } = await smWorld();
    const session = harness.core.createSession(new FakeTransport());
    await session.onStreamOpen({ to: 'localhost', version: '1.0' });
    const before = await (session.transport as FakeTransport).next();
    expect(before.getChild('sm', SM)).toBeUndefined();
    const { features } = await harness.authenticate('alice');
    const names = features.children.filter((c) => typeof c !== 'string').map((c) => (c as { name: string }).name);
    expect(names.indexOf('sm')).toBeGreaterThan(names.indexOf('bind'));
    expect(features.getChild('sm', SM)?.children).toEqual([]); // 1.6.3: no <optional/> or <required/>
  });

  it('is not offered over BOSH (XEP-0124 has its own acks), nor when sm.enabled is false', async () => {
    const { harness } = await smWorld();
    const { features } = await harness.authenticate('alice', { transport: new FakeTransport({ kind: 'bosh' }) });
    expect(features.getChild('sm', SM)).toBeUndefined();
    const { features: ws } = await harness.authenticate('alice', { transport: new FakeTransport({ kind: 'websocket' }) });
    expect(ws.getChild('sm', SM)).toBeDefined();
    const off = await smWorld({ sm: { enabled: false } });
    expect((await off.harness.authenticate('alice')).features.getChild('sm', SM)).toBeUndefined();
  });
});

describe('enabling (§3)', () => {
  it('answers <enabled id resume max/> to <enable resume="true"/> after binding', async () => {
    const { harness } = await smWorld();
    const alice = await harness.connect('alice');
    const enabled = await enable(alice);
    expect(enabled.name).toBe('enabled');
    expect(enabled.attrs).toMatchObject({ resume: 'true', max: '300' });
    expect(enabled.attrs.id.length).toBeGreaterThanOrEqual(16);
    expect(alice.session.sm?.isResumable).toBe(true);
  });

  it("takes the client's max within sm.maxResumptionTimeout", async () => {
    const { harness } = await smWorld({ sm: { maxResumptionTimeout: 900 } });
    expect((await enable(await harness.connect('alice'), { resume: '1', max: '60' })).attrs.max).toBe('60');
    expect((await enable(await harness.connect('alice'), { resume: 'true', max: '99999' })).attrs.max).toBe('900');
  });

  it('enables acks without resumption when the client does not ask for it: no id, no resume', async () => {
    const { harness } = await smWorld();
    const alice = await harness.connect('alice');
    const enabled = await enable(alice, {});
    expect(enabled.name).toBe('enabled');
    expect(enabled.attrs.id).toBeUndefined();
    expect(enabled.attrs.resume).toBeUndefined();
    expect(harness.core.sm.store).toMatchObject({ size: 0 });
  });

  it('answers <failed><unexpected-request/></failed> before binding, and the stream goes on to bind', async () => {
    const { harness } = await smWorld();
    const { session, transport } = await harness.authenticate('alice');
    await session.onElement(xml('enable', { xmlns: SM, resume: 'true' }));
    expect(failedCondition(await transport.next(isSm('failed')))).toBe('unexpected-request');
    await session.onElement(xml('iq', { type: 'set', id: 'b' }, xml('bind', { xmlns: NS.BIND })));
    expect((await transport.next((el) => el.attrs.id === 'b')).attrs.type).toBe('result');
  });

  it('answers a second <enable/> with <failed><unexpected-request/></failed>; the first stays in force', async () => {
    const { harness } = await smWorld();
    const alice = await harness.connect('alice');
    const first = await enable(alice);
    const second = await enable(alice);
    expect(second.name).toBe('failed');
    expect(failedCondition(second)).toBe('unexpected-request');
    expect(alice.session.sm?.id).toBe(first.attrs.id);
    expect(alice.transport.closedWith).toBeUndefined();
  });

  it('answers <failed><feature-not-implemented/></failed> over BOSH', async () => {
    const { harness } = await smWorld();
    const alice = await harness.connect('alice', { transport: new FakeTransport({ kind: 'bosh' }) });
    expect(failedCondition(await enable(alice))).toBe('feature-not-implemented');
  });
});

describe('acks and counters (§4)', () => {
  it('answers <r/> with the stanzas handled since <enable/>, not before', async () => {
    const { harness } = await smWorld();
    const alice = await harness.connect('alice');
    await alice.send(xml('presence'));
    await enable(alice);
    for (const n of [1, 2, 3]) await alice.send(chat('bob@localhost', `m${n}`));
    await alice.send(xml('r', { xmlns: SM }));
    expect((await alice.next(isSm('a'))).attrs.h).toBe('3');
  });

  it('counts the stanzas it sends from <enabled/> on, asks with <r/> after a burst, and takes the <a/> that covers them', async () => {
    const { harness } = await smWorld({ sm: { ackRequestBurst: 3 } });
    const [alice, bob] = [await harness.connect('alice'), await harness.connect('bob')];
    await enable(alice);
    for (const n of [1, 2, 3]) await bob.send(chat(alice.jid.toString(), `m${n}`));
    await alice.next(isSm('r'));
    // The <r/> follows the burst, so the client has read all three.
    expect(alice.transport.sent.filter((el) => el.name === 'message' || el.name === 'r').map((el) => el.name)).toEqual(['message', 'message', 'message', 'r']);
    expect(alice.session.sm?.unackedCount).toBe(3);
    await alice.send(xml('a', { xmlns: SM, h: '3' }));
    expect(alice.session.sm?.unackedCount).toBe(0);
    expect(alice.transport.closedWith).toBeUndefined();
  });

  it('asks for an ack within sm.ackRequestInterval when fewer than a burst wait, one <r/> at a time', async () => {
    const { harness, clock } = await smWorld({ sm: { ackRequestInterval: 5, ackRequestBurst: 10 } });
    const [alice, bob] = [await harness.connect('alice'), await harness.connect('bob')];
    await enable(alice);
    await bob.send(chat(alice.jid.toString(), 'one'));
    await alice.next(hasBody('one'));
    await clock.advance(4999);
    await bob.send(chat(alice.jid.toString(), 'marker'));
    await alice.next(hasBody('marker'));
    expect(alice.transport.sent.filter(isSm('r'))).toHaveLength(0);
    await clock.advance(1);
    await alice.next(isSm('r'));
    await bob.send(chat(alice.jid.toString(), 'two'));
    await clock.advance(10_000);
    await bob.send(chat(alice.jid.toString(), 'marker 2'));
    await alice.next(hasBody('marker 2'));
    expect(alice.transport.sent.filter(isSm('r'))).toHaveLength(1); // the first is still unanswered
    await alice.send(xml('a', { xmlns: SM, h: '1' }));
    await clock.advance(5000);
    await alice.next(isSm('r'));
  });

  it('closes with undefined-condition and <handled-count-too-high/> when <a/> acknowledges more than was sent (§6)', async () => {
    const { harness } = await smWorld();
    const [alice, bob] = [await harness.connect('alice'), await harness.connect('bob')];
    await enable(alice);
    await bob.send(chat(alice.jid.toString(), 'one'));
    await alice.next(hasBody('one'));
    await alice.send(xml('a', { xmlns: SM, h: '2' }));
    const error = alice.transport.closedWith as StreamError;
    expect(error.condition).toBe('undefined-condition');
    expect(error.appCondition?.attrs).toMatchObject({ xmlns: SM, h: '2', 'send-count': '1' });
    expect(alice.session.state).toBe('closed');
  });

  it("closes with bad-format an <a/> whose 'h' is not an unsigned 32-bit integer, and with unsupported-stanza-type <r/> before <enable/>", async () => {
    const { harness } = await smWorld();
    const alice = await harness.connect('alice');
    await enable(alice);
    await alice.send(xml('a', { xmlns: SM, h: '-1' }));
    expect((alice.transport.closedWith as StreamError).condition).toBe('bad-format');
    const bob = await harness.connect('bob');
    await bob.send(xml('r', { xmlns: SM }));
    expect((bob.transport.closedWith as StreamError).condition).toBe('unsupported-stanza-type');
  });

  it('wraps both counters at 2^32 (h goes from 4294967295 to 0), across a resumption', async () => {
    const { harness } = await smWorld();
    const [alice, bob] = [await harness.connect('alice', { resource: 'desk' }), await harness.connect('bob')];
    const id = (await enable(alice)).attrs.id;
    lose(alice);
    // Move the stored stream to the edge of the counters: three stanzas numbered 4294967295, 0 and 1.
    const stored = (await harness.core.sm.store.get(id))!;
    const pending = ['a', 'b', 'c'].map((b) => chat(alice.jid.toString(), b, { from: bob.jid.toString() }).toString());
    await harness.core.sm.store.create({ ...stored, inbound: MAX - 1, acked: MAX - 2, unacked: pending });
    // The client read the first two (h = 0 after 4294967295).
    const { session, transport, answer } = await resumeStream(harness, 'alice', id, 0);
    expect(answer.attrs).toMatchObject({ previd: id, h: String(MAX - 1) });
    await transport.next(hasBody('c'));
    expect(bodies(transport)).toEqual(['c']);
    const resumed = harness.client(session, transport);
    await resumed.send(chat(bob.jid.toString(), 'after the wrap'));
    await resumed.send(xml('r', { xmlns: SM }));
    expect((await transport.next(isSm('a'))).attrs.h).toBe('0');
    await bob.send(chat(alice.jid.toString(), 'd'));
    await transport.next(hasBody('d'));
    await resumed.send(xml('a', { xmlns: SM, h: '2' })); // c is 1, d is 2
    expect(session.sm?.unackedCount).toBe(0);
    await resumed.send(xml('a', { xmlns: SM, h: '3' }));
    expect((transport.closedWith as StreamError).appCondition?.attrs).toMatchObject({ h: '3', 'send-count': '2' });
  });
});

describe('unfinished streams (§7) and resumption (§5)', () => {
  it('keeps a session whose connection broke bound and hibernated: resource in the directory, stanzas queued', async () => {
    const { harness } = await smWorld();
    const [alice, bob] = [await harness.connect('alice', { resource: 'desk' }), await harness.connect('bob')];
    await enable(alice);
    lose(alice);
    expect(alice.session.state).toBe('hibernated');
    await expect(harness.core.directory.get('alice', 'desk')).resolves.toMatchObject({ sessionId: alice.session.id });
    await bob.send(chat('alice@localhost/desk', 'while away'));
    expect(bob.transport.sent.filter((el) => el.attrs.type === 'error')).toEqual([]);
    expect(alice.session.sm?.unackedCount).toBe(1);
    expect(bodies(alice.transport)).toEqual([]);
  });

  it('resumes: <resumed previd h/>, the unacknowledged stanzas once, then new ones; same session, same full JID', async () => {
    const { harness } = await smWorld();
    const [alice, bob] = [await harness.connect('alice', { resource: 'desk' }), await harness.connect('bob')];
    const unbound: string[] = [];
    harness.core.hooks.on('session/unbound', ({ session }) => void unbound.push(session.id));
    const id = (await enable(alice)).attrs.id;
    await alice.send(chat(bob.jid.toString(), 'hello'));
    await bob.send(chat('alice@localhost/desk', 'read before the cut'));
    await alice.next(hasBody('read before the cut'));
    await bob.send(chat('alice@localhost/desk', 'sent, never read'));
    await alice.next(hasBody('sent, never read'));
    lose(alice);
    await bob.send(chat('alice@localhost/desk', 'while away'));
    const { session, transport, answer } = await resumeStream(harness, 'alice', id, 1);
    expect(answer.name).toBe('resumed');
    expect(answer.attrs).toMatchObject({ previd: id, h: '1' });
    await bob.send(chat('alice@localhost/desk', 'after'));
    await transport.next(hasBody('after'));
    expect(bodies(transport)).toEqual(['sent, never read', 'while away', 'after']);
    expect(session.id).toBe(alice.session.id);
    expect(session.jid?.toString()).toBe('alice@localhost/desk');
    expect(session.state).toBe('bound');
    expect(alice.session.state).toBe('closed');
    expect(harness.core.sessions.get('alice', 'desk')).toBe(session);
    await expect(harness.core.directory.get('alice', 'desk')).resolves.toMatchObject({ sessionId: session.id, node: harness.core.node });
    expect(unbound).toEqual([]);
    expect(harness.core.sm.hibernated.size).toBe(0);
  });

  it('lets a resumed stream carry on as before: stanzas routed, acks counted on from the old values', async () => {
    const { harness } = await smWorld();
    const [alice, bob] = [await harness.connect('alice', { resource: 'desk' }), await harness.connect('bob')];
    const id = (await enable(alice)).attrs.id;
    await alice.send(chat(bob.jid.toString(), 'one'));
    await alice.send(chat(bob.jid.toString(), 'two'));
    lose(alice);
    const { session, transport } = await resumeStream(harness, 'alice', id, 0);
    const resumed = harness.client(session, transport);
    await resumed.send(chat(bob.jid.toString(), 'three'));
    await bob.next(hasBody('three'));
    await resumed.send(xml('r', { xmlns: SM }));
    expect((await transport.next(isSm('a'))).attrs.h).toBe('3');
  });

  it('answers <failed><item-not-found/></failed> to an unknown SM-ID or another user\'s, and lets the stream bind', async () => {
    const { harness } = await smWorld();
    const alice = await harness.connect('alice');
    const id = (await enable(alice)).attrs.id;
    lose(alice);
    expect(failedCondition((await resumeStream(harness, 'alice', 'no-such-id', 0)).answer)).toBe('item-not-found');
    const bob = await resumeStream(harness, 'bob', id, 0);
    expect(failedCondition(bob.answer)).toBe('item-not-found');
    expect(alice.session.state).toBe('hibernated'); // untouched by bob's attempt
    await bob.session.onElement(xml('iq', { type: 'set', id: 'b' }, xml('bind', { xmlns: NS.BIND })));
    expect((await bob.transport.next((el) => el.attrs.id === 'b')).attrs.type).toBe('result');
  });

  it('ends a session not resumed within its timeout: unbound, out of the directory, its unacknowledged messages to the other resources; a late resume gets item-not-found', async () => {
    const { harness, clock } = await smWorld();
    const [alice, other, bob] = [await harness.connect('alice', { resource: 'desk' }), await harness.connect('alice', { resource: 'phone' }), await harness.connect('bob')];
    await other.send(xml('presence'));
    const unbound: string[] = [];
    harness.core.hooks.on('session/unbound', ({ session }) => void unbound.push(session.jid!.toString()));
    const enabled = await enable(alice, { resume: 'true', max: '60' });
    lose(alice);
    await bob.send(chat('alice@localhost/desk', 'queued'));
    await clock.advance(59_999);
    expect(alice.session.state).toBe('hibernated');
    await clock.advance(1);
    expect(alice.session.state).toBe('closed');
    await other.next(hasBody('queued'));
    expect(unbound).toEqual(['alice@localhost/desk']);
    await expect(harness.core.directory.get('alice', 'desk')).resolves.toBeUndefined();
    expect(failedCondition((await resumeStream(harness, 'alice', enabled.attrs.id, 0)).answer)).toBe('item-not-found');
    expect(clock.pending).toBe(0);
  });

  it('ends the session when its connection is closed cleanly (</stream:stream>), even if resumable: nothing to resume', async () => {
    const { harness } = await smWorld();
    const alice = await harness.connect('alice', { resource: 'desk' });
    const id = (await enable(alice)).attrs.id;
    alice.session.close();
    expect(alice.session.state).toBe('closed');
    await harness.core.shutdown(); // waits for the unbinding
    expect(harness.core.sm.store).toMatchObject({ size: 0 });
    await expect(harness.core.sm.store.get(id)).resolves.toBeUndefined();
  });

  it('counts what was written as delivered when the client closes its stream cleanly (RFC 6120 §4.4), unlike a lost connection', async () => {
    const { harness } = await smWorld();
    const [alice, other, bob] = [await harness.connect('alice', { resource: 'desk' }), await harness.connect('alice', { resource: 'phone' }), await harness.connect('bob')];
    await other.send(xml('presence'));
    await enable(alice);
    await bob.send(chat('alice@localhost/desk', 'written, not acknowledged'));
    await alice.next(hasBody('written, not acknowledged'));
    alice.session.close(); // what the transport does on </stream:stream>
    await bob.send(chat('alice@localhost/phone', 'marker'));
    await other.next(hasBody('marker'));
    await harness.core.shutdown();
    expect(bodies(other.transport)).toEqual(['marker']);
  });

  it('hibernates on connection-timeout (a silent connection is a lost one)', async () => {
    const { harness } = await smWorld();
    const alice = await harness.connect('alice');
    await enable(alice);
    alice.session.close(new StreamError('connection-timeout', 'no traffic from the client'));
    expect(alice.session.state).toBe('hibernated');
  });

  it('does not hibernate a stream that enabled acks without resumption: it ends, and its unacknowledged messages go to the other resources', async () => {
    const { harness } = await smWorld();
    const [alice, other, bob] = [await harness.connect('alice', { resource: 'desk' }), await harness.connect('alice', { resource: 'phone' }), await harness.connect('bob')];
    await other.send(xml('presence'));
    await enable(alice, {});
    await bob.send(chat('alice@localhost/desk', 'unread'));
    await alice.next(hasBody('unread'));
    lose(alice);
    expect(alice.session.state).toBe('closed');
    await other.next(hasBody('unread'));
  });

  it('bounds the queue of a hibernated session by limits.maxOutputBytes: past it the session ends and everything goes back to the router', async () => {
    const { harness } = await smWorld({ core: { limits: { ...(await import('../../options.js')).DEFAULT_CORE_OPTIONS.limits, maxOutputBytes: 16 * 1024 } } });
    const [alice, other, bob] = [await harness.connect('alice', { resource: 'desk' }), await harness.connect('alice', { resource: 'phone' }), await harness.connect('bob')];
    await other.send(xml('presence'));
    await enable(alice);
    lose(alice);
    const big = 'x'.repeat(4000);
    for (let n = 1; n <= 5; n++) await bob.send(chat('alice@localhost/desk', `${n}${big}`));
    expect(alice.session.state).toBe('closed');
    for (let n = 1; n <= 5; n++) await other.next(hasBody(`${n}${big}`));
  });

  it('answers <failed><unexpected-request/></failed> to <resume/> before authentication, after binding, and a second time on one stream', async () => {
    const { harness } = await smWorld();
    const alice = await harness.connect('alice');
    const id = (await enable(alice)).attrs.id;
    lose(alice);
    const fresh = harness.core.createSession(new FakeTransport());
    await fresh.onStreamOpen({ to: 'localhost', version: '1.0' });
    await fresh.onElement(xml('resume', { xmlns: SM, previd: id, h: '0' }));
    expect(failedCondition(await (fresh.transport as FakeTransport).next(isSm('failed')))).toBe('unexpected-request');
    const bound = await harness.connect('alice');
    await bound.send(xml('resume', { xmlns: SM, previd: id, h: '0' }));
    expect(failedCondition(await bound.next(isSm('failed')))).toBe('unexpected-request');
    const { session, transport, answer } = await resumeStream(harness, 'alice', id, 0);
    expect(answer.name).toBe('resumed');
    await session.onElement(xml('resume', { xmlns: SM, previd: id, h: '0' }));
    expect(failedCondition(await transport.next(isSm('failed')))).toBe('unexpected-request');
    expect(alice.session.state).toBe('closed');
  });

  it("answers <failed><bad-request/></failed> to a <resume/> without previd or with an 'h' that is not a number", async () => {
    const { harness } = await smWorld();
    const { session, transport } = await harness.authenticate('alice');
    await session.onElement(xml('resume', { xmlns: SM, h: '0' }));
    await session.onElement(xml('resume', { xmlns: SM, previd: 'x', h: 'many' }));
    expect([failedCondition(await transport.next(isSm('failed'))), failedCondition(await transport.next(isSm('failed')))]).toEqual(['bad-request', 'bad-request']);
  });

  it("fails a resumption whose 'h' acknowledges more than was sent with undefined-condition and <handled-count-too-high/>, and ends the former session (§6)", async () => {
    const { harness } = await smWorld();
    const [alice, other, bob] = [await harness.connect('alice', { resource: 'desk' }), await harness.connect('alice', { resource: 'phone' }), await harness.connect('bob')];
    await other.send(xml('presence'));
    const id = (await enable(alice)).attrs.id;
    await bob.send(chat('alice@localhost/desk', 'one'));
    await alice.next(hasBody('one'));
    lose(alice);
    const { answer } = await resumeStream(harness, 'alice', id, 5);
    expect(failedCondition(answer)).toBe('undefined-condition');
    expect(answer.getChild('handled-count-too-high', SM)?.attrs).toMatchObject({ h: '5', 'send-count': '1' });
    expect(alice.session.state).toBe('closed');
    await other.next(hasBody('one'));
  });

  it('closes the former stream with conflict when it is still open, and the session goes on in the new one (§5)', async () => {
    const { harness } = await smWorld();
    const [alice, bob] = [await harness.connect('alice', { resource: 'desk' }), await harness.connect('bob')];
    const unbound: string[] = [];
    harness.core.hooks.on('session/unbound', ({ session }) => void unbound.push(session.id));
    const id = (await enable(alice)).attrs.id;
    await bob.send(chat('alice@localhost/desk', 'in flight'));
    await alice.next(hasBody('in flight'));
    // The client noticed the broken connection before the server did.
    const { transport, answer } = await resumeStream(harness, 'alice', id, 0);
    expect(answer.name).toBe('resumed');
    expect((alice.transport.closedWith as StreamError).condition).toBe('conflict');
    await bob.send(chat('alice@localhost/desk', 'after'));
    await transport.next(hasBody('after'));
    expect(bodies(transport)).toEqual(['in flight', 'after']);
    await harness.core.shutdown();
    expect(unbound.filter((id) => id === alice.session.id)).toHaveLength(1); // only at shutdown, of the resumed session
  });

  it('resumes the same session twice: the second resumption takes it from the first (resume twice)', async () => {
    const { harness } = await smWorld();
    const [alice, bob] = [await harness.connect('alice', { resource: 'desk' }), await harness.connect('bob')];
    const id = (await enable(alice)).attrs.id;
    lose(alice);
    const first = await resumeStream(harness, 'alice', id, 0);
    await bob.send(chat('alice@localhost/desk', 'to the first'));
    await first.transport.next(hasBody('to the first'));
    lose(first);
    const second = await resumeStream(harness, 'alice', id, 0);
    expect(second.answer.attrs).toMatchObject({ previd: id });
    await bob.send(chat('alice@localhost/desk', 'to the second'));
    await second.transport.next(hasBody('to the second'));
    expect(bodies(second.transport)).toEqual(['to the first', 'to the second']);
    expect(first.session.state).toBe('closed');
    expect(second.session.id).toBe(alice.session.id);
  });

  it('ends hibernated sessions at shutdown like any other (system-shutdown)', async () => {
    const { harness } = await smWorld();
    const alice = await harness.connect('alice', { resource: 'desk' });
    const unbound: string[] = [];
    harness.core.hooks.on('session/unbound', ({ session, error }) => void unbound.push(`${session.jid}:${error?.condition}`));
    await enable(alice);
    lose(alice);
    await harness.core.shutdown();
    expect(unbound).toEqual(['alice@localhost/desk:system-shutdown']);
    expect(harness.core.sm.store).toMatchObject({ size: 0 });
  });
});

describe('resumption on another node (design §5, the harness with two Cores)', () => {
  it('resumes on node 2 a session hibernated on node 1: directory entry moved, counters and queue restored, nothing lost or doubled', async () => {
    const { harness } = await smWorld({ nodes: 2 });
    const [node1, node2] = harness.cores;
    const alice = await harness.connect('alice', { resource: 'desk', node: 0 });
    const bob = await harness.connect('bob', { node: 1 });
    const unbound: string[] = [];
    for (const core of harness.cores) core.hooks.on('session/unbound', ({ session }) => void unbound.push(`${core.node}:${session.jid}`));
    const id = (await enable(alice)).attrs.id;
    await alice.send(chat(bob.jid.toString(), 'from alice'));
    await bob.send(chat('alice@localhost/desk', 'read on node 1'));
    await alice.next(hasBody('read on node 1'));
    lose(alice);
    for (const n of [1, 2, 3]) await bob.send(chat('alice@localhost/desk', `away ${n}`));
    const { session, transport, answer } = await resumeStream(harness, 'alice', id, 1, 1);
    expect(answer.attrs).toMatchObject({ previd: id, h: '1' });
    expect(session.core).toBe(node2);
    await expect(node1.directory.get('alice', 'desk')).resolves.toMatchObject({ node: 'node2', sessionId: alice.session.id });
    expect(node1.sessions.get('alice', 'desk')).toBeUndefined();
    expect(node1.sm.hibernated.size).toBe(0);
    // From a user on node 1 as well as from node 2: both reach the session on node 2.
    const carol = await harness.connect('carol', { node: 0 });
    await carol.send(chat('alice@localhost/desk', 'from node 1'));
    await bob.send(chat('alice@localhost/desk', 'marker'));
    await transport.next(hasBody('marker'));
    expect(bodies(transport)).toEqual(['away 1', 'away 2', 'away 3', 'from node 1', 'marker']);
    expect(unbound).toEqual([]);
    await expect(harness.core.sm.store.get(id)).resolves.toMatchObject({ node: 'node2', epoch: 1, inbound: 1 });
  });

  it('resumes on node 2 after node 1 died (it hears nothing any more): the session continues, the order to close waits for node 1', async () => {
    const { harness } = await smWorld({ nodes: 2 });
    const alice = await harness.connect('alice', { resource: 'desk', node: 0 });
    const bob = await harness.connect('bob', { node: 1 });
    const id = (await enable(alice)).attrs.id;
    await bob.send(chat('alice@localhost/desk', 'unread when node 1 died'));
    await alice.next(hasBody('unread when node 1 died'));
    await harness.crash(0); // off the bus; its connection and timers die with it
    const { transport, answer } = await resumeStream(harness, 'alice', id, 0, 1);
    expect(answer.attrs).toMatchObject({ previd: id, h: '0' });
    await bob.send(chat('alice@localhost/desk', 'after'));
    await transport.next(hasBody('after'));
    expect(bodies(transport)).toEqual(['unread when node 1 died', 'after']);
    await expect(harness.core.directory.get('alice', 'desk')).resolves.toMatchObject({ node: 'node2', sessionId: alice.session.id });
    await expect((harness.core.bus as MemoryNodeBus).drain('node1')).resolves.toEqual([expect.objectContaining({ type: 'close', condition: 'conflict', sessionId: alice.session.id })]);
  });

  it('closes the former stream on node 1 with conflict when it is still open, without ending the session there', async () => {
    const { harness } = await smWorld({ nodes: 2 });
    const alice = await harness.connect('alice', { resource: 'desk', node: 0 });
    const bob = await harness.connect('bob', { node: 1 });
    const unbound: string[] = [];
    for (const core of harness.cores) core.hooks.on('session/unbound', ({ session }) => void unbound.push(`${core.node}:${session.jid}`));
    const id = (await enable(alice)).attrs.id;
    await alice.send(xml('presence'));
    const { transport } = await resumeStream(harness, 'alice', id, 0, 1);
    expect((alice.transport.closedWith as StreamError).condition).toBe('conflict');
    await bob.send(chat('alice@localhost/desk', 'after'));
    await transport.next(hasBody('after'));
    await harness.cores[0].shutdown();
    expect(unbound).toEqual([]);
    await expect(harness.core.directory.get('alice', 'desk')).resolves.toMatchObject({ node: 'node2', isAvailable: true });
  });
});
