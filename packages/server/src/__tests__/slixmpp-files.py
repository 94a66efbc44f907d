#!/usr/bin/python3
# File transfer with a real third-party client (issue #10): two slixmpp clients (Debian's
# python3-slixmpp), alice and bob, against a DeskChat node over plain TCP on loopback.
#   upload  — XEP-0363: alice finds the upload service through disco items (localhost/upload),
#             uploads, offers the URL to bob (XEP-0066 out-of-band data); bob downloads it and
#             hashes it. Then the refusals: a refused type (slot refused), a file over the announced
#             max-file-size (slixmpp refuses it itself; the server refuses a slot asked for anyway),
#             and a renamed executable (refused while uploading). Last, a decline deletes a file.
#   socks5  — XEP-0096 SI offer, then XEP-0065 through the server's proxy (localhost/proxy65,
#             found through disco items); bob hashes what arrives. A refused offer and a renamed
#             executable behind an acceptable name are refused.
#   ibb     — the same SI offer, then XEP-0047 in-band bytestreams; a renamed executable refused.
# Prints one JSON object a line; exits 0 when every step ran, 1 when one failed (an `error` line
# names it), 2 on the global timeout.
# Usage: slixmpp-files.py --port P --scenario upload,socks5,ibb --file F --exe E [--timeout S]
import argparse
import asyncio
import hashlib
import io
import json
import logging
import os
import signal
import sys
import uuid
import xml.etree.ElementTree as ET

try:
    import aiohttp
    import slixmpp
    from slixmpp.exceptions import IqError
    from slixmpp.plugins.xep_0363.http_upload import FileTooBig, HTTPError
    from slixmpp.xmlstream.handler import CoroutineCallback
    from slixmpp.xmlstream.matcher import StanzaPath
except ImportError as error:
    print(json.dumps({'event': 'error', 'step': 'import', 'message': f'{error}: run scripts/install-test-deps.sh'}), flush=True)
    sys.exit(1)

STEP_SECONDS = 10
NS_DECLINE = 'urn:deskchat:file-offer:0'
NS_S5B = 'http://jabber.org/protocol/bytestreams'
NS_IBB = 'http://jabber.org/protocol/ibb'


def emit(event, **fields):
    print(json.dumps({'event': event, **fields}), flush=True)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def iq_error(error):
    return {'condition': error.iq['error']['condition'], 'type': error.iq['error']['type'], 'text': error.iq['error']['text'],
            'max_file_size': (error.iq.xml.findtext('.//{urn:xmpp:http:upload:0}max-file-size'))}


def on_global_timeout(_signum, _frame):
    emit('error', step='global-timeout', message='the script ran out of time')
    sys.stdout.flush()
    os._exit(2)


class Client(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        for plugin in ('xep_0030', 'xep_0066', 'xep_0363', 'xep_0065', 'xep_0047', 'xep_0095', 'xep_0096'):
            self.register_plugin(plugin)
        # slixmpp 1.8.3 registers its SI request handler, a coroutine, with a plain Callback, so it
        # is never awaited and no offer is ever seen: register it as the coroutine it is.
        self.remove_handler('SI Request')
        self.register_handler(CoroutineCallback('SI Request', StanzaPath('iq@type=set/si'), self['xep_0095']._handle_request))
        self.ready = asyncio.get_event_loop().create_future()
        self.messages = asyncio.Queue()
        self.offers = asyncio.Queue()
        self.seen = []  # every message and SI offer, in order (to prove nothing came before a marker)
        self.add_event_handler('session_start', self.on_start)
        self.add_event_handler('message', self.on_message)
        self.add_event_handler('si_request', self.on_si)
        for event in ('failed_all_auth', 'connection_failed', 'stream_error'):
            self.add_event_handler(event, lambda data, event=event: self.ready.done() or self.ready.set_exception(RuntimeError(f'{event}: {data}')))

    async def on_start(self, _event):
        self.send_presence()
        await self.get_roster()
        if not self.ready.done():
            self.ready.set_result(True)

    def on_message(self, msg):
        self.seen.append(('message', msg['body'] or msg.xml.find(f'{{{NS_DECLINE}}}decline') is not None and 'decline'))
        self.messages.put_nowait(msg)

    def on_si(self, iq):
        self.seen.append(('si', iq['si']['file']['name']))
        self.offers.put_nowait(iq)


async def step(name, awaitable):
    try:
        return await asyncio.wait_for(awaitable, STEP_SECONDS)
    except Exception as error:
        error.step = name
        raise


async def next_message(client, check):
    while True:
        msg = await client.messages.get()
        if check(msg):
            return msg


async def marker_first(alice, bob, label):
    """Sends a chat marker; returns what bob saw before it (nothing, when a refused offer never reached him)."""
    before = len(bob.seen)
    body = f'marker {label}'
    alice.send_message(mto=bob.boundjid, mbody=body, mtype='chat')
    await step(f'marker-{label}', next_message(bob, lambda m: m['body'] == body))
    return [entry for entry in bob.seen[before:] if entry != ('message', body)]


async def discover_upload_service(client):
    """XEP-0363 §2 as slixmpp's find_upload_service does it (items of the domain, then the info of
    each: identity store/file, the feature, max-file-size in the form). That helper hands
    coroutines to asyncio.wait, which Python 3.11 refuses, so the same steps are taken here."""
    disco = client['xep_0030']
    items = await step('disco-items', disco.get_items(client.boundjid.domain))
    for jid, _node, _name in items['disco_items']['items']:
        info = await step('disco-info', disco.get_info(jid))
        identities = info['disco_info']['identities']
        if any(i[0] == 'store' and i[1] == 'file' for i in identities) and 'urn:xmpp:http:upload:0' in info['disco_info']['features']:
            for form in info['disco_info'].iterables:
                values = form['values']
                if values.get('FORM_TYPE') == ['urn:xmpp:http:upload:0']:
                    client['xep_0363'].max_file_size = int(values['max-file-size'])
            client['xep_0363'].upload_service = info['from']
            return info['from']
    raise RuntimeError('no upload service among the disco items')


async def scenario_upload(alice, bob, data, exe):
    upload = alice['xep_0363']
    await discover_upload_service(alice)
    url = await step('upload', upload.upload_file('report.pdf', input_file=io.BytesIO(data), size=len(data), content_type='application/pdf'))
    emit('uploaded', url=url, service=str(upload.upload_service), max_file_size=upload.max_file_size)
    offer = alice.make_message(mto=bob.boundjid.bare, mbody=url, mtype='chat')
    offer['oob']['url'] = url
    offer.send()
    got = await step('offer', next_message(bob, lambda m: m['oob']['url'] == url))
    async with aiohttp.ClientSession() as session:
        async with session.get(got['oob']['url']) as response:
            body = await response.read()
            emit('downloaded', status=response.status, sha256=sha256(body), size=len(body), sent_sha256=sha256(data),
                 disposition=response.headers.get('Content-Disposition'), nosniff=response.headers.get('X-Content-Type-Options'))

    try:
        await step('refused-type', upload.upload_file('setup.exe', input_file=io.BytesIO(b'x' * 10), size=10, content_type='application/octet-stream'))
        emit('refused-type', refused=False)
    except IqError as error:
        emit('refused-type', refused=True, **iq_error(error))

    big = upload.max_file_size + 1
    try:
        await step('too-large-client', upload.upload_file('big.pdf', input_file=io.BytesIO(b''), size=big, content_type='application/pdf'))
        emit('too-large-client', refused=False)
    except FileTooBig as error:
        emit('too-large-client', refused=True, message=str(error))
    try:
        await step('too-large-slot', upload.request_slot(upload.upload_service, 'big.pdf', big, 'application/pdf'))
        emit('too-large-slot', refused=False)
    except IqError as error:
        emit('too-large-slot', refused=True, **iq_error(error))

    try:
        await step('renamed-exe', upload.upload_file('invoice.pdf', input_file=io.BytesIO(exe), size=len(exe), content_type='application/pdf'))
        emit('renamed-exe', refused=False)
    except HTTPError as error:
        emit('renamed-exe', refused=True, status=error.args[0], text=error.args[1])

    # docs/files.md: bob declines a second file; alice's client gets the decline; the file is gone.
    second = await step('upload-2', upload.upload_file('notes.txt', input_file=io.BytesIO(b'second file\n'), size=12, content_type='text/plain'))
    offer = alice.make_message(mto=bob.boundjid.bare, mbody=second, mtype='chat')
    offer['oob']['url'] = second
    offer.send()
    await step('offer-2', next_message(bob, lambda m: m['oob']['url'] == second))
    # The body is the fallback docs/files.md recommends, for senders whose client does not know <decline/>.
    decline = bob.make_message(mto=alice.boundjid, mtype='chat', mbody='Declined the file notes.txt')
    decline.append(ET.Element(f'{{{NS_DECLINE}}}decline', {'url': second}))
    decline.send()
    seen = await step('decline', next_message(alice, lambda m: m.xml.find(f'{{{NS_DECLINE}}}decline') is not None))
    async with aiohttp.ClientSession() as session:
        async with session.get(second) as response:
            emit('declined', url=seen.xml.find(f'{{{NS_DECLINE}}}decline').get('url'), status_after=response.status)


async def offer_file(alice, bob, name, size, method, accept=True):
    """XEP-0096 SI offer from alice; bob accepts it. Returns the sid, or the IqError of a refusal.
    (slixmpp 1.8's offer() wants each stream method as a form option mapping.)"""
    sid = uuid.uuid4().hex
    pending = asyncio.ensure_future(alice['xep_0096'].request_file_transfer(bob.boundjid, sid=sid, name=name, size=size, mime_type='application/octet-stream', methods=[{'value': method}]))
    if accept:
        done, _ = await asyncio.wait([pending, asyncio.ensure_future(bob.offers.get())], return_when=asyncio.FIRST_COMPLETED, timeout=STEP_SECONDS)
        first = done.pop().result() if done else None
        if isinstance(first, slixmpp.Iq) and first['type'] == 'set':
            await bob['xep_0095'].accept(first['from'], first['si']['id'])
    try:
        await step('si-offer', pending)
        return sid, None
    except IqError as error:
        return sid, error


async def receive_socks5(bob):
    """Everything bob's proxy connection delivers until it closes."""
    chunks = []
    closed = asyncio.get_event_loop().create_future()
    bob.add_event_handler('socks5_data', chunks.append)
    bob.add_event_handler('socks5_closed', lambda exc: closed.done() or closed.set_result(True), disposable=True)
    await closed
    bob.del_event_handler('socks5_data', chunks.append)
    return b''.join(chunks)


async def send_socks5(alice, bob, sid, payload):
    received = asyncio.ensure_future(receive_socks5(bob))
    proto = await step('s5b-handshake', alice['xep_0065'].handshake(bob.boundjid, sid=sid))
    for start in range(0, len(payload), 65536):
        await proto.write(payload[start:start + 65536])
    proto.transport.close()
    return await step('s5b-receive', received)


async def scenario_socks5(alice, bob, data, exe):
    proxies = await step('proxies', alice['xep_0065'].discover_proxies())
    emit('proxies', proxies={str(jid): [host, int(port)] for jid, (host, port) in proxies.items()})
    sid, error = await offer_file(alice, bob, 'report.pdf', len(data), NS_S5B)
    if error:
        raise RuntimeError(f'the SI offer was refused: {iq_error(error)}')
    body = await send_socks5(alice, bob, sid, data)
    emit('s5b-received', sha256=sha256(body), size=len(body), sent_sha256=sha256(data))

    sid, error = await offer_file(alice, bob, 'setup.exe', 10, NS_S5B, accept=False)
    emit('s5b-refused-offer', refused=error is not None, **(iq_error(error) if error else {}), bob_saw=await marker_first(alice, bob, 'si-exe'))

    sid, error = await offer_file(alice, bob, 'big.pdf', 10 ** 9, NS_S5B, accept=False)
    emit('s5b-too-large', refused=error is not None, **(iq_error(error) if error else {}), bob_saw=await marker_first(alice, bob, 'si-big'))

    sid, error = await offer_file(alice, bob, 'report.pdf', len(exe), NS_S5B)
    if error:
        raise RuntimeError(f'the SI offer was refused: {iq_error(error)}')
    body = await send_socks5(alice, bob, sid, exe)
    emit('s5b-renamed-exe', received=len(body))


async def scenario_ibb(alice, bob, data, exe):
    streams = asyncio.Queue()
    bob.add_event_handler('ibb_stream_start', streams.put_nowait)
    sid, error = await offer_file(alice, bob, 'report.pdf', len(data), NS_IBB)
    if error:
        raise RuntimeError(f'the SI offer was refused: {iq_error(error)}')
    stream = await step('ibb-open', alice['xep_0047'].open_stream(bob.boundjid, sid=sid))
    incoming = await step('ibb-incoming', streams.get())
    gathering = asyncio.ensure_future(incoming.gather(timeout=STEP_SECONDS))
    await step('ibb-send', stream.sendall(data))
    await step('ibb-close', stream.close())
    body = await step('ibb-gather', gathering)
    emit('ibb-received', sha256=sha256(body), size=len(body), sent_sha256=sha256(data))

    sid, error = await offer_file(alice, bob, 'report.pdf', len(exe), NS_IBB)
    stream = await step('ibb-open-2', alice['xep_0047'].open_stream(bob.boundjid, sid=sid))
    incoming = await step('ibb-incoming-2', streams.get())
    try:
        await step('ibb-send-2', stream.sendall(exe))
        emit('ibb-renamed-exe', refused=False)
    except IqError as error:
        emit('ibb-renamed-exe', refused=True, **iq_error(error), bob_received=len(incoming.recv_queue._queue) if hasattr(incoming, 'recv_queue') else None)


async def main(args):
    data = open(args.file, 'rb').read()
    exe = open(args.exe, 'rb').read()
    alice = Client('alice@localhost/desk', 'pw-alice')
    bob = Client('bob@localhost/laptop', 'pw-bob')
    bob['xep_0065'].auto_accept = False  # only streams bob accepted through SI
    for client in (alice, bob):
        client.connect(('127.0.0.1', args.port), force_starttls=False, disable_starttls=True)
    try:
        await step('sign-in', asyncio.gather(alice.ready, bob.ready))
        emit('signed-in', alice=str(alice.boundjid), bob=str(bob.boundjid))
        for name in args.scenario.split(','):
            await {'upload': scenario_upload, 'socks5': scenario_socks5, 'ibb': scenario_ibb}[name](alice, bob, data, exe)
            emit('scenario-done', scenario=name)
        emit('closing')
        return 0
    except Exception as error:
        emit('error', step=getattr(error, 'step', 'unknown'), message=f'{type(error).__name__}: {error}', alice_saw=alice.seen, bob_saw=bob.seen)
        return 1
    finally:
        for client in (alice, bob):
            client.disconnect(wait=1.0)
        await asyncio.sleep(0.2)


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--scenario', default='upload,socks5,ibb')
    parser.add_argument('--file', required=True, help='the file to send (a PDF)')
    parser.add_argument('--exe', required=True, help='an executable to send renamed')
    parser.add_argument('--timeout', type=int, default=60)
    parser.add_argument('--trace', action='store_true')
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.trace else logging.WARNING, stream=sys.stderr, format='%(levelname)s %(name)s %(message)s')
    signal.signal(signal.SIGALRM, on_global_timeout)
    signal.alarm(args.timeout)
    emit('started', slixmpp=slixmpp.__version__)
    sys.exit(asyncio.run(main(args)))
