#!/usr/bin/python3
# A third-party client against DeskChat: slixmpp (Python, Debian's python3-slixmpp) signs in as one
# user and walks RFC 6120 (STARTTLS verified against a given CA file, SASL — slixmpp picks the
# strongest mechanism offered, resource binding), RFC 6121 (roster get, a subscription request and
# an inbound one approved, chat messages both ways, show/status broadcast, unavailable on close),
# XEP-0054 (a contact's vCard) and XEP-0055 (the search form, then a data-form search).
#
# It prints one JSON object a line (`{"event": ..., ...}`) for each thing it observed, and exits 0
# when every step completed, 1 when a step failed (an `error` line names it), 2 on the global
# timeout. The peer (an xmpp.js client in slixmpp.e2e.test.ts) approves the request and asks back,
# answers every chat message, and tells us in a chat message when it sees our dnd.
# Usage: slixmpp-client.py --port P --ca CERT --jid alice@localhost --password PW --peer bob@localhost
import argparse
import asyncio
import json
import logging
import os
import signal
import sys

try:
    import slixmpp
    from slixmpp import Iq, register_stanza_plugin
    from slixmpp.plugins.xep_0004.stanza import Form
    from slixmpp.plugins.xep_0055.stanza import Search
except ImportError:
    print(json.dumps({'event': 'error', 'step': 'import', 'message': 'python3-slixmpp is missing: run scripts/install-test-deps.sh'}), flush=True)
    sys.exit(1)

STEP_SECONDS = 8


def emit(event, **fields):
    print(json.dumps({'event': event, **fields}), flush=True)


def on_global_timeout(_signum, _frame):
    # A hard stop from outside the event loop, so a stuck loop cannot hang CI either.
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


def presence_of(stanza):
    return {'from': str(stanza['from']), 'type': stanza.xml.get('type'), 'show': stanza['show'] or None, 'status': stanza['status'] or None}


def roster_items(iq):
    items = {}
    for jid, item in iq['roster']['items'].items():
        items[str(jid)] = {'subscription': item['subscription'], 'ask': item['ask'] or None, 'name': item['name'] or None, 'groups': sorted(item['groups'])}
    return items


class Client(slixmpp.ClientXMPP):
    def __init__(self, args):
        super().__init__(args.jid, args.password)
        self.peer = args.peer
        self.inbox = Inbox()
        self.failed = None
        self.done = asyncio.get_event_loop().create_future()
        self.ca_certs = args.ca  # the development certificate is its own CA; verification stays on
        self.roster.auto_authorize = None  # requests are answered below, in the open
        self.roster.auto_subscribe = False
        for plugin in ('xep_0004', 'xep_0030', 'xep_0054'):
            self.register_plugin(plugin)
        # Only the XEP-0055 stanzas: slixmpp 1.8's xep_0055 plugin answers every <iq><query
        # xmlns='jabber:iq:search'/> it receives as a search service — even the server's results,
        # with an iq result to a result (RFC 6120 §8.2.3 forbids it) — so it is not loaded.
        register_stanza_plugin(Iq, Search)
        register_stanza_plugin(Search, Form)
        self.add_event_handler('auth_success', self.on_auth)
        self.add_event_handler('session_start', self.on_session_start)
        self.add_event_handler('message', self.inbox.put)
        self.add_event_handler('presence', self.inbox.put)
        for event in ('failed_all_auth', 'no_auth', 'connection_failed', 'ssl_invalid_chain', 'stream_error'):
            self.add_event_handler(event, lambda data, event=event: self.fail(event, str(data)))
        self.add_event_handler('disconnected', self.on_disconnected)

    def fail(self, step, message):
        if not self.done.done():
            self.failed = step
            emit('error', step=step, message=message)
            self.done.set_result(False)

    def on_auth(self, _stanza):
        mechanisms = self['feature_mechanisms']
        mech = mechanisms.mech
        emit('sasl', mechanism=mech.name, offered=sorted(mechanisms.mech_list), gs2_header=getattr(mech, 'gs2_header', b'').decode())

    def on_disconnected(self, reason):
        emit('disconnected', reason=str(reason) if reason else None)
        if not self.done.done():
            self.done.set_result(self.failed is None)

    async def on_session_start(self, _event):
        try:
            await self.run_steps()
        except Exception as error:  # every failure becomes an `error` line, then the stream closes
            self.fail(getattr(error, 'step', 'unknown'), f'{type(error).__name__}: {error}')
            self.disconnect(wait=1.0)

    async def step(self, name, awaitable):
        try:
            return await asyncio.wait_for(awaitable, STEP_SECONDS)
        except Exception as error:
            error.step = name
            raise

    def from_peer(self, kind, check=lambda s: True):
        return lambda s: s.name == kind and s['from'].bare == self.peer and check(s)

    async def run_steps(self):
        emit('signed-in', jid=str(self.boundjid))
        tls = self.transport.get_extra_info('ssl_object')
        context = self.ssl_context
        emit('tls', version=tls.version() if tls else None, verify_mode=context.verify_mode.name, check_hostname=context.check_hostname,
             peer_subject=dict(pair[0] for pair in tls.getpeercert()['subject']) if tls else None)

        # RFC 6121 §2.1.3: the roster (slixmpp asks with ver='', XEP-0237), then initial presence.
        first = await self.step('roster', self.get_roster())
        emit('roster', items=roster_items(first), ver=first['roster']['ver'])
        self.send_presence()

        # RFC 6121 §3.1: ask the peer; it approves (§3.1.5) and we get its presence (§3.1.6).
        self.send_presence(pto=self.peer, ptype='subscribe')
        subscribed = await self.step('subscribed', self.inbox.next(self.from_peer('presence', lambda s: s.xml.get('type') == 'subscribed')))
        emit('subscribed', **{'from': str(subscribed['from'])})
        available = await self.step('peer-available', self.inbox.next(self.from_peer('presence', lambda s: s.xml.get('type') is None)))
        emit('peer-presence', **presence_of(available))

        # §3.1.3 inbound: the peer asks back and we approve, so it sees our presence (Both).
        request = await self.step('subscribe-request', self.inbox.next(self.from_peer('presence', lambda s: s.xml.get('type') == 'subscribe')))
        emit('subscription-request', **{'from': str(request['from'])})
        self.send_presence(pto=self.peer, ptype='subscribed')
        await self.step('roster-push', self.wait_until_both())
        # Fetched again at the version the pushes brought (XEP-0237 §5): an empty result is right,
        # so what slixmpp shows is its roster as the pushes left it.
        again = await self.step('roster-again', self.get_roster())
        emit('roster', items=self.roster_model(), ver=self.client_roster.version, result_items=len(again['roster']['items']))

        # RFC 6121 §5: chat messages both ways.
        self.send_message(mto=self.peer, mbody='hello bob, from slixmpp', mtype='chat')
        reply = await self.step('reply', self.inbox.next(self.from_peer('message', lambda s: bool(s['body']))))
        emit('message', **{'from': str(reply['from']), 'type': reply['type'], 'body': reply['body']})

        # RFC 6121 §4.7: show and status broadcast to the subscriber, who confirms what it sees.
        self.send_presence(pshow='dnd', pstatus='busy with a slixmpp test')
        seen = await self.step('peer-saw-dnd', self.inbox.next(self.from_peer('message', lambda s: s['body'].startswith('seen '))))
        emit('peer-saw', body=seen['body'])

        # XEP-0054 §3.3: the peer's vCard from its bare JID.
        iq = await self.step('vcard', self['xep_0054'].get_vcard(self.peer, cached=False))
        vcard = iq.xml.find('{vcard-temp}vCard')
        emit('vcard', fields={child.tag.split('}')[1]: (child.text or '').strip() for child in vcard if len(child) == 0} if vcard is not None else None)

        # XEP-0055 §3: the form, then a search with its free-text field.
        form_iq = self.make_iq_get(queryxmlns='jabber:iq:search', ito=self.boundjid.domain)
        form = (await self.step('search-form', form_iq.send()))['search']['form']
        emit('search-form', type=form['type'], fields=sorted(form.get_fields().keys()))
        search = self.make_iq_set(ito=self.boundjid.domain)
        search['search']['form'].set_type('submit')
        search['search']['form'].add_field(var='FORM_TYPE', ftype='hidden', value='jabber:iq:search')
        search['search']['form'].add_field(var='search', value='bob')
        result = (await self.step('search', search.send()))['search']['form']
        emit('search-result', type=result['type'], items=[{k: v for k, v in item.items()} for item in result['items']])

        emit('closing')
        self.disconnect(wait=2.0)

    def roster_model(self):
        roster = self.client_roster
        return {jid: {'subscription': roster[jid]['subscription'], 'ask': roster[jid]['pending_out'] or None, 'name': roster[jid]['name'] or None,
                      'groups': sorted(roster[jid]['groups'])} for jid in roster if jid != self.boundjid.bare}  # slixmpp keeps an entry for itself

    async def wait_until_both(self):
        while self.client_roster[self.peer]['subscription'] != 'both':
            await asyncio.sleep(0.02)


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
    parser.add_argument('--timeout', type=int, default=40)
    parser.add_argument('--trace', action='store_true', help='log every stanza sent and received on stderr')
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.trace else logging.WARNING, stream=sys.stderr, format='%(levelname)s %(message)s')
    signal.signal(signal.SIGALRM, on_global_timeout)
    signal.alarm(args.timeout)
    emit('started', slixmpp=slixmpp.__version__, python=sys.version.split()[0])
    sys.exit(asyncio.run(main(args)))
