#!/usr/bin/python3
# slixmpp (Debian's python3-slixmpp) as a client that an end-to-end test drives step by step: it
# signs in over plain loopback TCP (SCRAM: slixmpp picks the strongest mechanism offered; no
# STARTTLS, the test nodes have no certificate), binds, then reads one JSON command a line on stdin
# and prints one JSON event a line on stdout. Every stanza it receives is printed as XML, so the test
# asserts on what slixmpp really got; the commands use slixmpp's own APIs where it has them.
#
# Commands ({"op": ..., "id": ...}; each answered by {"event": "done", "id": ..., ...} or an error):
#   message {to, body, type?}          send_message
#   presence {to?, type?, show?, status?, priority?}   send_presence
#   roster                             get_roster -> items
#   vcard {jid}                        xep_0054 get_vcard -> fields
#   search {text}                      XEP-0055 data-form search on the server -> items
#   carbons                            xep_0280 enable
#   blocklist                          xep_0191 get_blocked -> items (sorted)
#   mam {max, with?, reverse?}         xep_0313 iterate (RSM pages of `max`) -> messages [{id, body, from, stamp}]
#   block {jids} / unblock {jids}      xep_0191 block / unblock
#   commands                           xep_0133 get_commands (XEP-0050 disco#items) -> nodes (sorted)
#   admin {command, fields}            a xep_0133 command (e.g. add-user) run through xep_0050:
#                                      execute, then complete with `fields` -> status, notes, values
#                                      (of a result form), or condition and text of an error
#   raw {xml}                          send_raw
#   (with --pep: xep_0115 caps in presence and xep_0163/xep_0084, so it shows urn:xmpp:avatar:metadata+notify)
#   avatar {data, type}                xep_0084 publish_avatar (data: base64) then publish_avatar_metadata -> id
#   pep-items {jid, node}              xep_0060 get_items (of a PEP node, or of a pubsub service's node) -> items [{id, xml}]
#   (with --pubsub: xep_0060 alone, for a XEP-0060 service such as pubsub.<domain>; pep-items works too)
#   pubsub-subscribe {jid, node}       xep_0060 subscribe (the bare JID) -> node, jid, subscription
#   bookmarks-set {rooms: [{jid, nick, name?, autojoin?}]}   xep_0048 set_bookmarks over XEP-0049 private storage
#   bookmarks-get                      xep_0048 get_bookmarks over XEP-0049 -> rooms [{jid, nick, name, autojoin}]
#   close                              disconnect, then exit 0
# Events: started, signed-in {jid}, stanza {xml}, done {id, ...}, error {step, message},
# stream-error {condition, text}, disconnected; with --pubsub also pubsub-publish {from, node,
# items [{id, xml}]} (xep_0060's pubsub_publish event: a notification its plugin parsed).
# Usage: slixmpp-driver.py --host H --port P --jid user@domain/resource --password PW [--timeout S]
import argparse
import asyncio
import base64
import json
import logging
import os
import signal
import sys

try:
    import slixmpp
    from slixmpp.plugins.xep_0004.stanza import Form
    from slixmpp.plugins.xep_0055.stanza import Search
    from slixmpp import Iq, register_stanza_plugin
    from slixmpp.exceptions import IqError
    from slixmpp.plugins.xep_0048.stanza import Bookmarks
except ImportError:
    print(json.dumps({'event': 'error', 'step': 'import', 'message': 'python3-slixmpp is missing: run scripts/install-test-deps.sh'}), flush=True)
    sys.exit(1)

STEP_SECONDS = 10


def emit(event, **fields):
    print(json.dumps({'event': event, **fields}), flush=True)


def on_global_timeout(_signum, _frame):
    emit('error', step='global-timeout', message='the script ran out of time')
    sys.stdout.flush()
    os._exit(2)


class Driven(slixmpp.ClientXMPP):
    def __init__(self, args):
        super().__init__(args.jid, args.password)
        self.done = asyncio.get_event_loop().create_future()
        # asyncio keeps only weak references to tasks: one nobody holds can be collected while it
        # waits (the command reader was, mid-test: 'Task was destroyed but it is pending!').
        self.tasks = set()
        # With --pep, not the ad-hoc and archive plugins: slixmpp 1.8.3 then answers the server's
        # XEP-0115 query with features that do not hash to the ver it advertised, so its caps are
        # never verified (seen when all were loaded together; the PEP tests need none of them).
        rest = () if args.pep else ('xep_0050', 'xep_0133', 'xep_0313')
        for plugin in ('xep_0004', 'xep_0030', 'xep_0054', 'xep_0191', 'xep_0280', *rest):
            self.register_plugin(plugin)
        if args.pep:
            for plugin in ('xep_0060', 'xep_0115', 'xep_0163', 'xep_0084', 'xep_0049', 'xep_0048'):
                self.register_plugin(plugin)
        if args.pubsub:
            if not args.pep:
                self.register_plugin('xep_0060')
            self.add_event_handler('pubsub_publish', self.on_pubsub_publish)
        register_stanza_plugin(Iq, Search)
        register_stanza_plugin(Search, Form)
        # Subscription requests are the test's to answer, in the open.
        self.roster.auto_authorize = None
        self.roster.auto_subscribe = False
        self.add_filter('in', self.show_incoming)
        self.add_event_handler('session_start', self.on_session_start)
        self.add_event_handler('stream_error', lambda e: emit('stream-error', condition=e['condition'], text=e['text'] or None))
        for event in ('failed_all_auth', 'no_auth', 'connection_failed'):
            self.add_event_handler(event, lambda data, event=event: self.finish(1, event, str(data)))
        self.add_event_handler('disconnected', self.on_disconnected)

    def show_incoming(self, stanza):
        if stanza.name in ('message', 'presence', 'iq'):
            emit('stanza', xml=str(stanza))
        return stanza

    def on_pubsub_publish(self, msg):
        items = msg['pubsub_event']['items']
        # Not `for item in items`: a stanza is its own iterator, and xep_0060 is iterating this one
        # while it calls this handler; a second iteration would restart its loop forever.
        emit('pubsub-publish', **{'from': str(msg['from'])}, node=items['node'], items=[{'id': item['id'], 'xml': str(item)} for item in list(items.iterables)])

    def finish(self, code, step=None, message=None):
        if step:
            emit('error', step=step, message=message)
        if not self.done.done():
            self.done.set_result(code)

    def keep(self, task):
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def on_disconnected(self, reason):
        emit('disconnected', reason=str(reason) if reason else None)
        self.finish(0)

    async def on_session_start(self, _event):
        emit('signed-in', jid=str(self.boundjid))
        self.keep(asyncio.ensure_future(self.read_commands()))

    async def read_commands(self):
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while True:
            line = await reader.readline()
            if not line:
                self.disconnect(wait=2.0)
                return
            command = json.loads(line)
            try:
                result = await asyncio.wait_for(self.run(command), STEP_SECONDS)
                emit('done', id=command.get('id'), op=command['op'], **(result or {}))
            except Exception as error:  # each failure is reported; the client keeps going
                emit('error', step=command['op'], id=command.get('id'), message=f'{type(error).__name__}: {error}')
            if command['op'] == 'close':
                return

    async def run(self, c):
        op = c['op']
        if op == 'message':
            self.send_message(mto=c['to'], mbody=c['body'], mtype=c.get('type', 'chat'))
        elif op == 'presence':
            self.send_presence(pto=c.get('to'), ptype=c.get('type'), pshow=c.get('show'), pstatus=c.get('status'), ppriority=c.get('priority'))
        elif op == 'raw':
            self.send_raw(c['xml'])
        elif op == 'roster':
            iq = await self.get_roster()
            return {'items': {str(jid): {'subscription': item['subscription'], 'name': item['name'] or None, 'groups': sorted(item['groups'])} for jid, item in iq['roster']['items'].items()}}
        elif op == 'vcard':
            iq = await self['xep_0054'].get_vcard(c['jid'], cached=False)
            vcard = iq.xml.find('{vcard-temp}vCard')
            return {'fields': {child.tag.split('}')[1]: (child.text or '').strip() for child in vcard if len(child) == 0} if vcard is not None else None}
        elif op == 'search':
            search = self.make_iq_set(ito=self.boundjid.domain)
            search['search']['form'].set_type('submit')
            search['search']['form'].add_field(var='FORM_TYPE', ftype='hidden', value='jabber:iq:search')
            search['search']['form'].add_field(var='search', value=c['text'])
            result = (await search.send())['search']['form']
            return {'items': [{k: v for k, v in item.items()} for item in result['items']]}
        elif op == 'carbons':
            await self['xep_0280'].enable()
        elif op == 'blocklist':
            iq = await self['xep_0191'].get_blocked()
            return {'items': sorted(str(jid) for jid in iq['blocklist']['items'])}
        elif op == 'block':
            await self['xep_0191'].block(c['jids'])
        elif op == 'unblock':
            await self['xep_0191'].unblock(c['jids'])
        elif op == 'commands':
            iq = await self['xep_0133'].get_commands()
            return {'nodes': sorted(item[1] for item in iq['disco_items']['items'])}
        elif op == 'admin':
            return await self.run_admin_command(c['command'], c.get('fields', {}))
        elif op == 'mam':
            messages = []
            async for result in self['xep_0313'].iterate(with_jid=c.get('with'), reverse=c.get('reverse', False), rsm={'max': c['max']}):
                forwarded = result['mam_result']['forwarded']
                inner = forwarded['stanza']
                messages.append({'id': result['mam_result']['id'], 'body': inner['body'], 'from': str(inner['from']), 'stamp': forwarded['delay']['stamp'].isoformat()})
            return {'messages': messages}
        elif op == 'avatar':
            data = base64.b64decode(c['data'])
            avatar_id = self['xep_0084'].generate_id(data)
            await self['xep_0084'].publish_avatar(data)
            await self['xep_0084'].publish_avatar_metadata([{'id': avatar_id, 'type': c['type'], 'bytes': len(data)}])
            return {'avatar_id': avatar_id}
        elif op == 'pep-items':
            iq = await self['xep_0060'].get_items(c['jid'], c['node'])
            return {'items': [{'id': item['id'], 'xml': str(item)} for item in iq['pubsub']['items']]}
        elif op == 'pubsub-subscribe':
            iq = await self['xep_0060'].subscribe(c['jid'], c['node'])
            subscription = iq['pubsub']['subscription']
            return {'node': subscription['node'], 'jid': str(subscription['jid']), 'subscription': subscription['subscription']}
        elif op == 'bookmarks-set':
            bookmarks = Bookmarks()
            for room in c['rooms']:
                bookmarks.add_conference(room['jid'], room['nick'], name=room.get('name'), autojoin=room.get('autojoin'))
            await self['xep_0048'].set_bookmarks(bookmarks, method='xep_0049')
        elif op == 'bookmarks-get':
            iq = await self['xep_0048'].get_bookmarks(method='xep_0049')
            return {'rooms': [{'jid': str(conf['jid']), 'nick': conf['nick'], 'name': conf['name'], 'autojoin': conf['autojoin']} for conf in iq['private']['bookmarks']['conferences']]}
        elif op == 'close':
            self.disconnect(wait=2.0)
        else:
            raise ValueError(f'unknown op {op}')
        return None


    def run_admin_command(self, name, fields):
        outcome = asyncio.get_running_loop().create_future()

        def on_next(iq, session):
            try:
                advance(iq, session)
            except Exception as error:  # a failure inside slixmpp's callback would otherwise be lost
                if not outcome.done():
                    outcome.set_exception(error)

        def advance(iq, session):
            command = iq['command']
            if command['status'] == 'completed':
                form = command['form']
                values = dict(form.get_values()) if command.xml.find('{jabber:x:data}x') is not None else {}
                outcome.set_result({'status': 'completed', 'notes': [[kind, text] for kind, text in command['notes']], 'values': values})
                return
            answer = self['xep_0004'].make_form(ftype='submit')
            answer.add_field(var='FORM_TYPE', ftype='hidden', value='http://jabber.org/protocol/admin')
            for var, value in fields.items():
                if isinstance(value, list):
                    answer.add_field(var=var, ftype='jid-multi', value=value)
                else:
                    answer.add_field(var=var, value=value)
            # send_command without flow: slixmpp's flow drops an error reply that carries no <command/>
            # (XEP-0050 §4.6 errors have none), so the step is awaited here instead.
            self.keep(asyncio.ensure_future(complete(session, answer)))

        async def complete(session, answer):
            try:
                iq = await self['xep_0050'].send_command(session['jid'], session['node'], action='complete', payload=answer, sessionid=session['id'])
                advance(iq, session)
            except IqError as error:
                on_error(error.iq, session)
            except Exception as error:
                if not outcome.done():
                    outcome.set_exception(error)

        def on_error(iq, session):
            if not outcome.done():
                outcome.set_result({'status': 'error', 'condition': iq['error']['condition'], 'text': iq['error']['text'] or None})
            self['xep_0050'].terminate_command(session)

        getattr(self['xep_0133'], name.replace('-', '_'))(session={'next': on_next, 'error': on_error})
        return outcome


async def main(args):
    client = Driven(args)
    client.connect((args.host, args.port), force_starttls=False, disable_starttls=True)
    return await client.done


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--jid', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--timeout', type=int, default=60)
    parser.add_argument('--pep', action='store_true', help='load the XEP-0115, XEP-0163 and XEP-0084 plugins')
    parser.add_argument('--pubsub', action='store_true', help='load the XEP-0060 plugin (without the PEP ones)')
    parser.add_argument('--trace', action='store_true', help='log every stanza sent and received on stderr')
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.trace else logging.WARNING, stream=sys.stderr, format='%(levelname)s %(message)s')
    signal.signal(signal.SIGALRM, on_global_timeout)
    signal.alarm(args.timeout)
    emit('started', slixmpp=slixmpp.__version__, python=sys.version.split()[0])
    sys.exit(asyncio.run(main(args)))
