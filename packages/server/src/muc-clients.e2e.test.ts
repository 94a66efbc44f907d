// Group chat (XEP-0045) with real clients on a real node (STARTTLS, SCRAM): slixmpp (Debian's
// python3-slixmpp, __tests__/slixmpp-muc.py) and @xmpp/client, each once as the room's owner and
// once as the guest who joins, chats, changes nick, is kicked and is banned. The script prints JSON
// lines of what it observed; the xmpp.js side records what it saw. Fails, never skips, when
// python3-slixmpp is missing (scripts/install-test-deps.sh installs it).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { MUC } from '@deskchat/muc';
import { repoRoot, signIn, startTestNode, stopClient, trustCertificate, type TestNode } from './__tests__/e2e-helpers.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(repoRoot, 'packages/server/src/__tests__/slixmpp-muc.py');
const SCRIPT_SECONDS = 40;
const SERVICE = 'conference.localhost';

type Observed = { event: string } & Record<string, any>;

function runScript(args: string[]): Promise<{ events: Observed[]; code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, [SCRIPT, '--timeout', String(SCRIPT_SECONDS), '--trace', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), (SCRIPT_SECONDS + 5) * 1000);
    child.on('close', (code) => {
      clearTimeout(killer);
      // slixmpp 1.8's join_muc_wait prints a debug line of its own: only the script's JSON lines count.
      const events = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Observed);
      resolve({ events, code, stderr });
    });
  });
}

function observer(run: { events: Observed[]; stderr: string }) {
  return (event: string): Observed => {
    const found = run.events.find((e) => e.event === event);
    if (!found) throw new Error(`the script reported no '${event}'; it printed:\n${run.events.map((e) => JSON.stringify(e)).join('\n')}\nstderr (last 4000 chars):\n${run.stderr.slice(-4000)}`);
    return found;
  };
}

const userX = (el: Element) => el.getChild('x', MUC.USER);
const codesOf = (el: Element) => (userX(el)?.getChildren('status') ?? []).map((s) => s.attrs.code).sort();
const join = (client: Client, room: string, nick: string) => client.send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: MUC.BASE })));

let server: TestNode;
let caFile: string;
const argsFor = (user: string, peer: string, room: string, mode: string) => ['--port', String(server.port), '--ca', caFile, '--jid', `${user}@localhost`, '--password', `pw-${user}`, '--peer', `${peer}@localhost`, '--room', room, '--mode', mode];

async function xmppjs(user: string): Promise<Client> {
  const untrust = await trustCertificate(caFile);
  try {
    const client = await signIn(server.port, user, `pw-${user}`, 'desk');
    await client.send(xml('presence'));
    return client;
  } finally {
    untrust();
  }
}

beforeAll(async () => {
  const probe = spawnSync(PYTHON, ['-c', 'import slixmpp'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error(`python3-slixmpp is missing: run scripts/install-test-deps.sh (${probe.stderr.trim()})`);
  server = await startTestNode({ tls: true });
  caFile = server.config.tls!.certFile;
  for (const user of ['alice', 'bob', 'carol', 'dave']) await server.addUser(user, `pw-${user}`);
});

afterAll(async () => {
  await server?.stop();
});

describe('slixmpp owns a room; @xmpp/client is invited, chats, changes nick, is kicked and banned', () => {
  const room = `slixroom@${SERVICE}`;
  let run: Awaited<ReturnType<typeof runScript>>;
  let observed: (event: string) => Observed;
  const bobSaw: Element[] = [];
  let refusal: Element | undefined;

  beforeAll(async () => {
    const bob = await xmppjs('bob');
    let state: 'out' | 'in' | 'renamed' | 'kicked' | 'back' | 'banned' = 'out';
    bob.on('stanza', (el: Element) => {
      if (!el.attrs.from?.startsWith(room)) return;
      bobSaw.push(el);
      if (el.is('message') && userX(el)?.getChild('invite') && state === 'out') {
        state = 'in';
        void join(bob, room, 'Bob');
      } else if (el.is('message') && el.attrs.type === 'groupchat' && el.getChildText('body') === 'hello from slixmpp' && !el.getChild('delay', 'urn:xmpp:delay')) {
        // Live only: the same message comes back as history (with <delay/>) when bob joins again after
        // the kick, and answering it then would rename him to Bobby while the owner bans 'Bob'.
        void bob.send(xml('message', { to: room, type: 'groupchat' }, xml('body', {}, 'hello from xmpp.js')));
        state = 'renamed';
        void bob.send(xml('presence', { to: `${room}/Bobby` }));
      } else if (el.is('presence') && el.attrs.type === 'unavailable' && codesOf(el).includes('307')) {
        state = 'back';
        void join(bob, room, 'Bob');
      } else if (el.is('presence') && el.attrs.type === 'unavailable' && codesOf(el).includes('301')) {
        state = 'banned';
        void join(bob, room, 'Bob');
      } else if (el.is('presence') && el.attrs.type === 'error' && state === 'banned') {
        refusal = el;
        // The owner's script destroys the room once it hears this (a positive marker, not a pause).
        void bob.send(xml('message', { to: 'alice@localhost', type: 'chat' }, xml('body', {}, 'refused as outcast')));
      }
    });
    run = await runScript(argsFor('alice', 'bob', room, 'owner'));
    observed = observer(run);
    await stopClient(bob);
  }, (SCRIPT_SECONDS + 10) * 1000);

  it('runs every step and exits 0', () => {
    expect(run.events.filter((e) => e.event === 'error')).toEqual([]);
    expect(observed('closing')).toBeDefined();
    expect(run.code).toBe(0);
  });

  it('creates the room as owner and moderator (§10.1.1), gets the form and configures it (§10.2)', () => {
    expect(observed('created')).toMatchObject({ codes: ['110', '201'], item: { affiliation: 'owner', role: 'moderator' } });
    expect(observed('config-form').fields).toEqual(expect.arrayContaining(['muc#roomconfig_roomname', 'muc#roomconfig_membersonly', 'muc#roomconfig_whois']));
    expect(observed('configured').name).toBe('Slixmpp Room');
  });

  it('invites, and the invitee joins and chats with an occupant id (§7.8.2, §7.4, XEP-0421)', () => {
    expect(observed('peer-joined').item).toMatchObject({ affiliation: 'none', role: 'participant', jid: 'bob@localhost/desk' });
    expect(observed('peer-said')).toMatchObject({ body: 'hello from xmpp.js', occupant_id: observed('peer-joined').occupant_id });
    const invite = bobSaw.find((el) => el.is('message') && userX(el)?.getChild('invite'));
    expect(userX(invite!)!.getChild('invite')!.attrs.from).toBe('alice@localhost');
  });

  it("sees the guest's nick change (§7.6), kicks it (§8.2) and bans it (§9.1); the ban list names it", () => {
    expect(observed('peer-renamed')).toEqual({ event: 'peer-renamed', codes: ['303'], nick: 'Bobby' });
    expect(observed('kicked')).toMatchObject({ codes: ['307'], item: { role: 'none', actor: 'Alice', reason: 'testing kicks' } });
    expect(observed('banned')).toMatchObject({ codes: ['301'], item: { affiliation: 'outcast', role: 'none' } });
    expect(observed('ban-list').jids).toEqual(['bob@localhost']);
  });

  it('the @xmpp/client guest saw its kick and ban (110 + 307, 110 + 301) and was refused afterwards with forbidden', () => {
    const own = bobSaw.filter((el) => el.is('presence') && el.attrs.type === 'unavailable' && codesOf(el).includes('110'));
    expect(own.map(codesOf)).toEqual(expect.arrayContaining([['110', '303'], ['110', '307'], ['110', '301']]));
    expect(refusal?.getChild('error')?.getChild('forbidden')).toBeDefined();
  });

  it('destroys the room with an alternate venue (§10.9)', () => {
    expect(observed('destroyed').venue).toBe(`next@${SERVICE}`);
  });
});

describe('@xmpp/client owns a room; slixmpp joins, chats, changes nick, is kicked and banned', () => {
  const room = `desk@${SERVICE}`;
  let run: Awaited<ReturnType<typeof runScript>>;
  let observed: (event: string) => Observed;
  const daveSaw: Element[] = [];

  beforeAll(async () => {
    const dave = await xmppjs('dave');
    const joined = new Promise<void>((resolve) => {
      dave.on('stanza', (el: Element) => {
        if (el.is('message') && el.attrs.from === room && el.getChild('subject')) resolve();
      });
    });
    await join(dave, room, 'Dave');
    await joined;
    const form = xml('x', { xmlns: MUC.DATA, type: 'submit' }, xml('field', { var: 'FORM_TYPE' }, xml('value', {}, MUC.ROOMCONFIG)), xml('field', { var: 'muc#roomconfig_roomname' }, xml('value', {}, 'Desk')));
    await dave.iqCaller.set(xml('query', { xmlns: MUC.OWNER }, form), room);
    await dave.send(xml('message', { to: room, type: 'groupchat' }, xml('subject', {}, 'Desk chat')));
    let kicked = false;
    dave.on('stanza', (el: Element) => {
      if (!el.attrs.from?.startsWith(room)) return;
      daveSaw.push(el);
      if (el.is('message') && el.getChildText('body') === 'hi from carol') void dave.send(xml('message', { to: room, type: 'groupchat' }, xml('body', {}, 'welcome carol')));
      if (el.is('presence') && el.attrs.from === `${room}/Caroline` && el.attrs.type === undefined && !kicked) {
        kicked = true;
        void dave.iqCaller.set(xml('query', { xmlns: MUC.ADMIN }, xml('item', { nick: 'Caroline', role: 'none' }, xml('reason', {}, 'kick test'))), room);
      }
      if (el.is('presence') && el.attrs.from === `${room}/Carol` && el.attrs.type === undefined && kicked) {
        void dave.iqCaller.set(xml('query', { xmlns: MUC.ADMIN }, xml('item', { jid: 'carol@localhost', affiliation: 'outcast' })), room);
      }
    });
    run = await runScript(argsFor('carol', 'dave', room, 'guest'));
    observed = observer(run);
    await stopClient(dave);
  }, (SCRIPT_SECONDS + 10) * 1000);

  it('runs every step and exits 0', () => {
    expect(run.events.filter((e) => e.event === 'error')).toEqual([]);
    expect(observed('closing')).toBeDefined();
    expect(run.code).toBe(0);
  });

  it('joins as a participant, sees the owner and the subject (§7.2.3, §7.2.15), and chats (§7.4)', () => {
    expect(observed('joined')).toMatchObject({ codes: ['110'], item: { role: 'participant' }, occupants: [`${room}/Dave`], subject: 'Desk chat' });
    expect(observed('reply').from).toBe(`${room}/Dave`);
  });

  it('changes nick (§7.6), is kicked (§8.2), rejoins, is banned (§9.1) and is then refused with forbidden (§7.2.7)', () => {
    expect(observed('renamed').codes).toEqual(['110']);
    expect(observed('kicked')).toMatchObject({ codes: ['110', '307'], item: { actor: 'Dave', reason: 'kick test' } });
    expect(observed('banned').codes).toEqual(['110', '301']);
    expect(observed('refused')).toMatchObject({ condition: 'forbidden', type: 'auth' });
  });

  it('the @xmpp/client owner saw the nick change with 303 and the new nick', () => {
    const change = daveSaw.find((el) => el.is('presence') && el.attrs.from === `${room}/Carol` && codesOf(el).includes('303'));
    expect(userX(change!)!.getChild('item')!.attrs.nick).toBe('Caroline');
  });
});
