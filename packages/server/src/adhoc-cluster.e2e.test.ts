// XEP-0133 in a cluster on a real redis-server, with @xmpp/client over TCP (issue #13): the
// administrator, on imp1a, lists online users and sees those bound on imp1b (the session directory
// is cluster-wide); a user added over XMPP is placed on a node like one added by the admin API;
// delete-user of a user signed in on imp1b ends that session there (an order over the node bus).
// XEP-0077's per-address limit is one count for the cluster (a sliding window in Redis).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { RawConnection, STREAM_HEADER } from './__tests__/e2e-helpers.js';
import { ClusterNode, NodePair, eventually } from './__tests__/cluster-helpers.js';

const COMMANDS = 'http://jabber.org/protocol/commands';
const ADMIN = 'http://jabber.org/protocol/admin';
const DATA = 'jabber:x:data';

const CONFIG = { admins: ['boss'], register: { enabled: true, maxPerAddress: 2 } };

let pair: NodePair | undefined;
let imp1a: ClusterNode, imp1b: ClusterNode;
const clients: Client[] = [];

/** Runs an admin command: execute, then complete with `fields` (a one-form command). */
async function run(xmpp: Client, name: string, fields: Record<string, string | string[]>): Promise<Element> {
  const node = `${ADMIN}#${name}`;
  const first = await xmpp.iqCaller.set(xml('command', { xmlns: COMMANDS, node, action: 'execute' }), 'localhost');
  const form = xml('x', { xmlns: DATA, type: 'submit' }, xml('field', { var: 'FORM_TYPE' }, xml('value', {}, ADMIN)), ...Object.entries(fields).map(([k, v]) => xml('field', { var: k }, ...[v].flat().map((one) => xml('value', {}, one)))));
  return xmpp.iqCaller.set(xml('command', { xmlns: COMMANDS, node, sessionid: first.attrs.sessionid, action: 'complete' }, form), 'localhost');
}
const values = (command: Element, name: string) => command.getChild('x', DATA)!.getChildren('field').find((f: Element) => f.attrs.var === name)!.getChildren('value').map((v: Element) => v.text());

beforeAll(async () => {
  pair = await NodePair.start({ boss: 'imp1a', bob: 'imp1b', carol: 'imp1b' }, CONFIG);
  ({ imp1a, imp1b } = pair);
}, 60_000);

afterAll(async () => {
  await pair?.stop(clients);
}, 30_000);

describe('XEP-0133 in a cluster (issue #13)', () => {
  it('lists users online on every node, places an added user, and ends a deleted user\'s session on another node', async () => {
    const boss = await imp1a.signIn('boss', 'console');
    const bob = await imp1b.signIn('bob', 'desk');
    const carol = await imp1b.signIn('carol', 'desk');
    clients.push(boss, bob, carol);
    const carolErrors: string[] = [];
    carol.on('element', (el: Element) => {
      if (el.name === 'stream:error') carolErrors.push(el.children.map((c) => (typeof c === 'string' ? '' : c.name)).find((n) => n && n !== 'text') ?? '');
    });
    expect(imp1b.sessionUsers()).toEqual(expect.arrayContaining(['bob@localhost/desk', 'carol@localhost/desk']));

    const listed = await run(boss, 'get-online-users-list', { max_items: 'none' });
    expect(values(listed, 'onlineuserjids')).toEqual(['bob@localhost', 'boss@localhost', 'carol@localhost']);

    const added = await run(boss, 'add-user', { accountjid: 'dave@localhost', password: 'pw-dave', 'password-verify': 'pw-dave' });
    expect(added.attrs.status).toBe('completed');
    expect(['imp1a', 'imp1b']).toContain(await imp1a.running.cluster!.registry.assignmentOf('dave'));

    const deleted = await run(boss, 'delete-user', { accountjids: 'carol@localhost' });
    expect(deleted.attrs.status).toBe('completed');
    await eventually(() => carolErrors.length > 0 || undefined, 'carol\'s stream error on imp1b');
    expect(carolErrors).toEqual(['not-authorized']);
    expect(await imp1b.running.core.stores.accounts.hasAccount('carol')).toBe(false);
    expect(await imp1a.running.cluster!.registry.assignmentOf('carol')).toBeUndefined();
    const after = await run(boss, 'get-online-users-list', { max_items: 'none' });
    expect(values(after, 'onlineuserjids')).toEqual(['bob@localhost', 'boss@localhost']);
  });
});

/** A registration set on a raw stream to `node` before authentication; the reply's text. */
async function register(node: ClusterNode, username: string): Promise<string> {
  const raw = await RawConnection.connect(node.ports.c2s, node.host);
  try {
    raw.write(STREAM_HEADER);
    await raw.waitFor(/<\/stream:features>/);
    const before = raw.received.length;
    raw.write(`<iq type='set' id='r1'><query xmlns='jabber:iq:register'><username>${username}</username><password>pw-${username}-long</password></query></iq>`);
    await raw.waitFor(/<iq[^>]*id=["']r1["'][^>]*(\/>|>[\s\S]*?<\/iq>)/);
    return raw.received.slice(before);
  } finally {
    raw.destroy();
  }
}

describe('XEP-0077 in a cluster (issue #13)', () => {
  it('counts registrations from one address on every node in one window (register.maxPerAddress)', async () => {
    expect(await register(imp1a, 'reg1')).toMatch(/type=["']result["']/);
    expect(await register(imp1b, 'reg2')).toMatch(/type=["']result["']/);
    const third = await register(imp1a, 'reg3');
    expect(third).toMatch(/<resource-constraint/);
    expect(await imp1b.running.core.stores.accounts.hasAccount('reg3')).toBe(false);
    expect(await imp1b.running.core.stores.accounts.hasAccount('reg2')).toBe(true);
  });
});

