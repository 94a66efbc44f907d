// The load limit on real streams (in-process): at limits.maxSessionsPerNode a new sign-in is refused
// with the resource-constraint stream error before its credentials are checked; bound sessions stay.
import { describe, expect, it } from '@jest/globals';
import xml from '@xmpp/xml';
import { NS, StreamError } from '@deskchat/protocol';
import { FakeTransport, Harness } from '@deskchat/testing';
import { DEFAULT_CORE_OPTIONS } from './options.js';
import { LOAD_LIMIT_TEXT } from './load-limit.js';

const limits = (max: number, restore: number) => ({ limits: { ...DEFAULT_CORE_OPTIONS.limits, maxSessionsPerNode: max, restoreSessionsPerNode: restore } });

async function attempt(harness: Harness, user: string): Promise<FakeTransport> {
  const transport = new FakeTransport();
  const session = harness.core.createSession(transport);
  await session.onStreamOpen({ to: 'localhost', version: '1.0', xmlns: NS.CLIENT });
  await session.onElement(xml('auth', { xmlns: NS.SASL, mechanism: 'PLAIN' }, Buffer.from(`\0${user}\0secret`).toString('base64')));
  return transport;
}

describe('load limit on sign-in (limits.maxSessionsPerNode)', () => {
  it('refuses the sign-in past the maximum with resource-constraint and keeps the bound sessions', async () => {
    const harness = await Harness.create({ core: limits(2, 1) });
    for (const u of ['a', 'b', 'c']) await harness.addUser(u);
    const a = await harness.connect('a');
    const b = await harness.connect('b');
    const refused = await attempt(harness, 'c');
    expect(refused.closedWith).toBeInstanceOf(StreamError);
    expect(refused.closedWith).toMatchObject({ condition: 'resource-constraint', text: LOAD_LIMIT_TEXT });
    expect(refused.sent.some((el) => el.name === 'success')).toBe(false);
    expect([a.session.state, b.session.state]).toEqual(['bound', 'bound']);
    expect(harness.core.loadLimit.refusals).toBe(1);
  });

  it('accepts sign-ins again only once the node is back at the restore threshold', async () => {
    const harness = await Harness.create({ core: limits(3, 1) });
    for (const u of ['a', 'b', 'c', 'd']) await harness.addUser(u);
    const [a, b] = [await harness.connect('a'), await harness.connect('b')];
    await harness.connect('c');
    expect((await attempt(harness, 'd')).closedWith).toMatchObject({ condition: 'resource-constraint' });
    a.session.close();
    // Two bound: under the maximum but above the restore threshold, so still refusing.
    expect((await attempt(harness, 'd')).closedWith).toMatchObject({ condition: 'resource-constraint' });
    b.session.close();
    await expect(harness.connect('d')).resolves.toMatchObject({ session: { state: 'bound' } });
  });
});
