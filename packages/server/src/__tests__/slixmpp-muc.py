#!/usr/bin/python3
# slixmpp (Debian's python3-slixmpp) in XEP-0045 rooms on a DeskChat node, in one of two parts:
#   --mode owner: creates a room, reads and submits its configuration form (§10.1–§10.2), invites
#     the peer (§7.8.2), chats with it (§7.4), sees it change nick (§7.6), kicks it (§8.2), bans it
#     (§9.1), reads the ban list (§9.2), waits for the peer to say its rejoin was refused, and destroys
#     the room (§10.9).
#   --mode guest: joins the peer's room (§7.2), chats, changes its own nick, is kicked, rejoins, is
#     banned, and is refused when it tries again (§7.2.7).
# The peer is an @xmpp/client driven by muc-clients.e2e.test.ts. One JSON object a line for each
# observation; exit 0 when every step completed, 1 on a failed step (an `error` line names it), 2 on
# the global timeout. slixmpp 1.8's join_muc_wait prints a debug line: the test reads JSON lines only.
import argparse
import asyncio
import json
import logging
import os
import signal
import sys

try:
    import slixmpp
    from slixmpp.exceptions import PresenceError
    from slixmpp.xmlstream.handler import Callback
    from slixmpp.xmlstream.matcher import MatchXPath
except ImportError:
    print(json.dumps({'event': 'error', 'step': 'import', 'message': 'python3-slixmpp is missing: run scripts/install-test-deps.sh'}), flush=True)
    sys.exit(1)

STEP_SECONDS = 10
MUC_USER = '{http://jabber.org/protocol/muc#user}'
OCCUPANT_ID = '{urn:xmpp:occupant-id:0}occupant-id'


def emit(event, **fields):
    print(json.dumps({'event': event, **fields}), flush=True)


def on_global_timeout(_signum, _frame):
    emit('error', step='global-timeout', message='the script ran out of time')
    sys.stdout.flush()
    os._exit(2)


class Inbox:
    """Stanzas received, taken by matching (earlier ones first, then future ones)."""

    def __init__(self):
        self.unread = []
        self.waiters = []

    def put(self, stanza):
        for waiter in self.waiters:
            match, future = waiter
            if not future.done() and match(stanza):
                self.waiters.remove(waiter)
                future.set_result(stanza)
                return
        self.unread.append(stanza)

    async def next(self, match):
        for stanza in self.unread:
            if match(stanza):
                self.unread.remove(stanza)
                return stanza
        future = asyncio.get_running_loop().create_future()
        self.waiters.append((match, future))
        return await future


def codes(stanza):
    x = stanza.xml.find(MUC_USER + 'x')
    return sorted(s.get('code') for s in x.findall(MUC_USER + 'status')) if x is not None else []


def item(stanza):
    x = stanza.xml.find(MUC_USER + 'x')
    found = x.find(MUC_USER + 'item') if x is not None else None
    if found is None:
        return {}
    actor = found.find(MUC_USER + 'actor')
    reason = found.find(MUC_USER + 'reason')
    return {**found.attrib, 'actor': actor.get('nick') if actor is not None else None, 'reason': reason.text if reason is not None else None}


class Client(slixmpp.ClientXMPP):
    def __init__(self, args):
        super().__init__(args.jid, args.password)
        self.args = args
        self.room = slixmpp.JID(args.room)
        self.inbox = Inbox()
        self.failed = None
        self.done = asyncio.get_event_loop().create_future()
        self.ca_certs = args.ca
        for plugin in ('xep_0004', 'xep_0030', 'xep_0045'):
            self.register_plugin(plugin)
        # Every presence and message, raw, alongside what the MUC plugin does with them.
        self.register_handler(Callback('all presence', MatchXPath('{jabber:client}presence'), self.inbox.put))
        self.register_handler(Callback('all messages', MatchXPath('{jabber:client}message'), self.inbox.put))
        self.add_event_handler('session_start', self.on_session_start)
        for event in ('failed_all_auth', 'no_auth', 'connection_failed', 'ssl_invalid_chain', 'stream_error'):
            self.add_event_handler(event, lambda data, event=event: self.fail(event, str(data)))
        self.add_event_handler('disconnected', self.on_disconnected)

    def fail(self, step, message):
        if not self.done.done():
            self.failed = step
            emit('error', step=step, message=message)
            self.done.set_result(False)

    def on_disconnected(self, _reason):
        if not self.done.done():
            self.done.set_result(self.failed is None)

    async def on_session_start(self, _event):
        try:
            self.send_presence()
            if self.args.mode == 'owner':
                await self.as_owner()
            else:
                await self.as_guest()
            emit('closing')
        except Exception as error:
            self.fail(getattr(error, 'step', 'unknown'), f'{type(error).__name__}: {error}')
        self.disconnect(wait=1.0)

    async def step(self, name, awaitable):
        try:
            return await asyncio.wait_for(awaitable, STEP_SECONDS)
        except Exception as error:
            error.step = name
            raise

    def occupant(self, nick, kind='presence', check=lambda s: True):
        full = f'{self.room}/{nick}'
        return lambda s: s.name == kind and str(s['from']) == full and check(s)

    async def join(self, nick):
        pres, subject, occupants, _history = await self.step(f'join-{nick}', self['xep_0045'].join_muc_wait(self.room, nick, maxstanzas=10))
        return pres, subject, occupants

    async def as_owner(self):
        muc = self['xep_0045']
        pres, _subject, _ = await self.join('Alice')
        emit('created', codes=codes(pres), item=item(pres))
        form = await self.step('config-form', muc.get_room_config(self.room))
        emit('config-form', fields=sorted(f for f in form.get_fields().keys() if f))
        answer = form.__class__()
        answer['type'] = 'submit'
        answer.add_field(var='FORM_TYPE', ftype='hidden', value='http://jabber.org/protocol/muc#roomconfig')
        answer.add_field(var='muc#roomconfig_roomname', value='Slixmpp Room')
        answer.add_field(var='muc#roomconfig_roomdesc', value='configured by slixmpp')
        await self.step('configure', muc.set_room_config(self.room, answer))
        info = await self.step('disco', self['xep_0030'].get_info(jid=self.room, cached=False))
        identities = list(info['disco_info']['identities'])  # a set of (category, type, lang, name)
        emit('configured', name=identities[0][3] if identities else None)

        muc.invite(self.room, self.args.peer, reason='join me')
        joined = await self.step('peer-joined', self.inbox.next(self.occupant('Bob', check=lambda s: s['type'] != 'unavailable')))
        emit('peer-joined', item=item(joined), occupant_id=joined.xml.find(OCCUPANT_ID).get('id'))

        self.send_message(mto=self.room, mbody='hello from slixmpp', mtype='groupchat')
        said = await self.step('peer-said', self.inbox.next(self.occupant('Bob', 'message', lambda s: s['body'] == 'hello from xmpp.js')))
        emit('peer-said', body=said['body'], occupant_id=said.xml.find(OCCUPANT_ID).get('id'))

        renamed = await self.step('peer-renamed', self.inbox.next(self.occupant('Bob', check=lambda s: s['type'] == 'unavailable' and '303' in codes(s))))
        emit('peer-renamed', codes=codes(renamed), nick=item(renamed).get('nick'))
        await self.step('peer-new-nick', self.inbox.next(self.occupant('Bobby')))

        await self.step('kick', muc.set_role(self.room, 'Bobby', 'none', reason='testing kicks'))
        kicked = await self.step('peer-kicked', self.inbox.next(self.occupant('Bobby', check=lambda s: s['type'] == 'unavailable' and '307' in codes(s))))
        emit('kicked', codes=codes(kicked), item=item(kicked))

        await self.step('peer-back', self.inbox.next(self.occupant('Bob', check=lambda s: s['type'] != 'unavailable')))
        await self.step('ban', muc.set_affiliation(self.room, 'outcast', jid=slixmpp.JID(self.args.peer), reason='testing bans'))
        # The ban's own presence (status 301): not an earlier unavailable of the nick 'Bob' still queued.
        banned = await self.step('peer-banned', self.inbox.next(self.occupant('Bob', check=lambda s: s['type'] == 'unavailable' and '301' in codes(s))))
        emit('banned', codes=codes(banned), item=item(banned))
        outcasts = await self.step('ban-list', muc.get_affiliation_list(self.room, 'outcast'))
        emit('ban-list', jids=sorted(str(j) for j in outcasts))
        # The guest tries to join again, is refused (§7.2.7) and says so in a chat message: the room
        # is destroyed only after that, or a join arriving later would create a new room instead.
        await self.step('peer-refused', self.inbox.next(lambda s: s.name == 'message' and s['type'] == 'chat' and s['body'] == 'refused as outcast'))

        await self.step('destroy', muc.destroy(self.room, reason='done', altroom=slixmpp.JID(f'next@{self.room.domain}')))
        gone = await self.step('destroyed', self.inbox.next(self.occupant('Alice', check=lambda s: s['type'] == 'unavailable')))
        destroy = gone.xml.find(MUC_USER + 'x').find(MUC_USER + 'destroy')
        emit('destroyed', venue=destroy.get('jid') if destroy is not None else None)

    async def as_guest(self):
        pres, subject, occupants = await self.join('Carol')
        emit('joined', codes=codes(pres), item=item(pres), occupants=sorted(str(o['from']) for o in occupants if o['from'].resource != 'Carol'), subject=subject['subject'])

        self.send_message(mto=self.room, mbody='hi from carol', mtype='groupchat')
        reply = await self.step('reply', self.inbox.next(lambda s: s.name == 'message' and s['type'] == 'groupchat' and s['body'] == 'welcome carol'))
        emit('reply', **{'from': str(reply['from'])})

        self.send_presence(pto=f'{self.room}/Caroline')
        renamed = await self.step('renamed', self.inbox.next(self.occupant('Caroline', check=lambda s: 110 in s['muc']['status_codes'] and s['type'] != 'unavailable')))
        emit('renamed', codes=codes(renamed))

        kicked = await self.step('kicked', self.inbox.next(self.occupant('Caroline', check=lambda s: s['type'] == 'unavailable' and '307' in codes(s))))
        emit('kicked', codes=codes(kicked), item=item(kicked))

        await self.join('Carol')
        banned = await self.step('banned', self.inbox.next(self.occupant('Carol', check=lambda s: s['type'] == 'unavailable' and '301' in codes(s))))
        emit('banned', codes=codes(banned), item=item(banned))

        try:
            await self.step('refused', self['xep_0045'].join_muc_wait(self.room, 'Carol'))
            emit('error', step='refused', message='joined although banned')
        except PresenceError as error:
            emit('refused', condition=error.condition, type=error.etype)


async def main(args):
    client = Client(args)
    client.connect((args.host, args.port), force_starttls=True)
    ok = await client.done
    return 0 if ok else 1


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--ca', required=True)
    parser.add_argument('--jid', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--peer', required=True)
    parser.add_argument('--room', required=True)
    parser.add_argument('--mode', choices=['owner', 'guest'], required=True)
    parser.add_argument('--timeout', type=int, default=40)
    parser.add_argument('--trace', action='store_true', help='log every stanza sent and received on stderr')
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.trace else logging.WARNING, stream=sys.stderr, format='%(levelname)s %(message)s')
    signal.signal(signal.SIGALRM, on_global_timeout)
    signal.alarm(args.timeout)
    emit('started', slixmpp=slixmpp.__version__, python=sys.version.split()[0])
    sys.exit(asyncio.run(main(args)))
