#!/usr/bin/python3
# slixmpp (Debian's python3-slixmpp) with XEP-0198 stream management and resumption, driven from
# stdin by stream-management.e2e.test.ts: it signs in (STARTTLS verified against a given CA file),
# enables stream management with resume (slixmpp's xep_0198 plugin), sends initial presence and
# reports every message it receives. Commands, one a line:
#   cut        kill the connection without </stream:stream> (transport abort), as a network loss would
#   reconnect  connect again; the plugin resumes the former stream (<resume previd h/>)
#   quit       close the stream cleanly and exit 0
# It prints one JSON object a line (`{"event": ..., ...}`); exit 2 on the global timeout.
# Usage: slixmpp-sm-client.py --port P --ca CERT --jid alice@localhost/desk --password PW
import argparse
import asyncio
import json
import logging
import os
import signal
import sys

try:
    import slixmpp
except ImportError:
    print(json.dumps({'event': 'error', 'step': 'import', 'message': 'python3-slixmpp is missing: run scripts/install-test-deps.sh'}), flush=True)
    sys.exit(1)


def emit(event, **fields):
    print(json.dumps({'event': event, **fields}), flush=True)


def on_global_timeout(_signum, _frame):
    emit('error', step='global-timeout', message='the script ran out of time')
    sys.stdout.flush()
    os._exit(2)


class Client(slixmpp.ClientXMPP):
    def __init__(self, args):
        super().__init__(args.jid, args.password)
        self.address = (args.host, args.port)
        self.ca_certs = args.ca
        self.is_quitting = False
        self.done = asyncio.get_event_loop().create_future()
        self.register_plugin('xep_0198')  # allow_resume is on by default
        self.register_plugin('xep_0199')  # answers the server's pings (the offline batch's receipt)
        self.add_event_handler('session_start', self.on_session_start)
        self.add_event_handler('sm_enabled', lambda stanza: emit('sm-enabled', id=stanza['id'], resume=stanza['resume'], max=stanza.xml.get('max')))
        self.add_event_handler('session_resumed', lambda _stanza: emit('resumed', handled=self['xep_0198'].handled))
        self.add_event_handler('sm_failed', lambda stanza: emit('sm-failed', stanza=str(stanza)))
        self.add_event_handler('message', lambda msg: emit('message', body=msg['body'], **{'from': str(msg['from'])}) if msg['body'] else None)
        self.add_event_handler('disconnected', self.on_disconnected)
        for event in ('failed_all_auth', 'connection_failed', 'ssl_invalid_chain', 'stream_error'):
            self.add_event_handler(event, lambda data, event=event: emit('error', step=event, message=str(data)))

    def on_session_start(self, _event):
        emit('online', jid=str(self.boundjid))
        self.send_presence()

    def on_disconnected(self, reason):
        emit('disconnected', reason=str(reason) if reason else None)
        if self.is_quitting and not self.done.done():
            self.done.set_result(0)

    def command(self, line):
        line = line.strip()
        if line == 'cut':
            self.abort()
            emit('cut')
        elif line == 'reconnect':
            emit('reconnecting')
            self.connect(self.address, force_starttls=True)
        elif line == 'quit' or line == '':
            self.is_quitting = True
            if self.transport:
                self.disconnect(wait=2.0)
            elif not self.done.done():
                self.done.set_result(0)


async def main(args):
    client = Client(args)
    loop = asyncio.get_running_loop()

    def on_stdin():
        line = sys.stdin.readline()
        if line == '':
            loop.remove_reader(sys.stdin.fileno())
        client.command(line)

    loop.add_reader(sys.stdin.fileno(), on_stdin)
    client.connect(client.address, force_starttls=True)
    return await client.done


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--ca', required=True)
    parser.add_argument('--jid', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--timeout', type=int, default=40)
    parser.add_argument('--trace', action='store_true', help='log every stanza sent and received on stderr')
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.trace else logging.WARNING, stream=sys.stderr, format='%(levelname)s %(message)s')
    signal.signal(signal.SIGALRM, on_global_timeout)
    signal.alarm(args.timeout)
    emit('started', slixmpp=slixmpp.__version__)
    sys.exit(asyncio.run(main(args)))
