#!/usr/bin/python3
# slixmpp (Debian's python3-slixmpp) registering an account in band with its own xep_0077 plugin
# (XEP-0077 §3.1: the stream feature, a get of the form, a set), then signing in with it over plain
# loopback TCP. With --invite the set carries a data form with the invitation token. Prints one JSON
# line per event: form {fields}, registered, register-error {condition, text}, signed-in {jid},
# error {step, message}; exits when signed in or refused.
# Usage: slixmpp-register.py --port P --jid user@domain --password PW [--invite TOKEN]
import argparse
import asyncio
import json
import sys

try:
    import slixmpp
    from slixmpp.exceptions import IqError
except ImportError:
    print(json.dumps({'event': 'error', 'step': 'import', 'message': 'python3-slixmpp is missing: run scripts/install-test-deps.sh'}), flush=True)
    sys.exit(1)


def emit(event, **fields):
    print(json.dumps({'event': event, **fields}), flush=True)


class Registering(slixmpp.ClientXMPP):
    def __init__(self, args):
        super().__init__(args.jid, args.password)
        self.invite = args.invite
        for plugin in ('xep_0004', 'xep_0030', 'xep_0066', 'xep_0077'):
            self.register_plugin(plugin)
        self['xep_0077'].force_registration = True
        # slixmpp 1.8.3 queues every stanza until a session has started, its own registration IQs
        # included (they log "NOT SENT" and the registration never happens); this flag, which it
        # checks first, lets them go out before authentication as XEP-0077 §3.1 needs.
        self._always_send_everything = True
        self.add_event_handler('register', self.on_register)
        self.add_event_handler('session_start', self.on_session_start)
        for event in ('failed_all_auth', 'connection_failed'):
            self.add_event_handler(event, lambda data, event=event: (emit('error', step=event, message=str(data)), self.disconnect()))
        self.add_event_handler('disconnected', lambda _reason: asyncio.get_event_loop().stop())

    async def on_register(self, form):
        emit('form', fields=sorted(f for f in ('username', 'password') if form['register'].xml.find('{jabber:iq:register}' + f) is not None))
        iq = self.Iq()
        iq['type'] = 'set'
        if self.invite is None:
            iq['register']['username'] = self.boundjid.user
            iq['register']['password'] = self.password
        else:
            submit = self['xep_0004'].make_form(ftype='submit')
            submit.add_field(var='FORM_TYPE', ftype='hidden', value='jabber:iq:register')
            submit.add_field(var='username', value=self.boundjid.user)
            submit.add_field(var='password', value=self.password)
            submit.add_field(var='invite', value=self.invite)
            iq['register'].append(submit)
        try:
            await iq.send()
            emit('registered')
        except IqError as error:
            emit('register-error', condition=error.iq['error']['condition'], text=error.iq['error']['text'] or None)
            self.disconnect()

    async def on_session_start(self, _event):
        emit('signed-in', jid=str(self.boundjid))
        self.disconnect()


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--jid', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--invite')
    args = parser.parse_args()
    client = Registering(args)
    client.connect((args.host, args.port), force_starttls=False, disable_starttls=True)
    loop = asyncio.get_event_loop()
    loop.call_later(30, lambda: (emit('error', step='timeout', message='no outcome in 30 s'), loop.stop()))
    loop.run_forever()
