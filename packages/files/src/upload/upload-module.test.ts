// XEP-0363 over XMPP through the in-process harness: discovery (§2), slot requests checked
// against the policy before any byte is sent (§4), and the offers that name a stored file
// (recipients, declines, docs/files.md), and expiry.
import { describe, it, expect, beforeEach } from '@jest/globals';
import xml from '@xmpp/xml';
import { NS, StanzaError } from '@deskchat/protocol';
import { chunksOf, stanzaMatching, type HarnessClient } from '@deskchat/testing';
import { filesKit, requestSlot, slotUrl, BASE_URL, type FilesKit } from '../__tests__/files-kit.js';
import { NS_HTTP_UPLOAD } from '../refusals.js';
import { NS_FILE_OFFER, NS_FILE_POLICY, NS_OOB } from './upload-module.js';

let kit: FilesKit;
let alice: HarnessClient;
beforeEach(async () => {
  kit = await filesKit({ policy: { maxBytes: 1000, maxFilesPerDay: 3, quotaBytesPerUser: 2500 } });
  alice = await kit.connect('alice', 'desk');
});

const info = (to: string) => alice.iq(xml('iq', { type: 'get', to }, xml('query', { xmlns: NS.DISCO_INFO })));
const formValue = (reply: ReturnType<typeof xml>, field: string) =>
  reply.getChild('query', NS.DISCO_INFO)!.getChild('x', 'jabber:x:data')?.getChildren('field').find((f) => f.attrs.var === field)?.getChildText('value');
/** The values of a field in the disco#info form whose FORM_TYPE is `formType` (XEP-0128). */
const formValues = (reply: ReturnType<typeof xml>, formType: string, field: string) =>
  reply
    .getChild('query', NS.DISCO_INFO)!
    .getChildren('x', 'jabber:x:data')
    .find((x) => x.getChildren('field').some((f) => f.attrs.var === 'FORM_TYPE' && f.getChildText('value') === formType))
    ?.getChildren('field')
    .find((f) => f.attrs.var === field)
    ?.getChildren('value')
    .map((v) => v.getText());
const storedFile = async (url: string) => kit.harness.core.stores.files.get(kit.uploads.idOf(url)!);

describe('discovery (XEP-0363 §2)', () => {
  it('lists localhost/upload in the domain items, a store/file service with the feature and max-file-size', async () => {
    const items = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_ITEMS })));
    expect(items.getChild('query', NS.DISCO_ITEMS)!.getChildren('item').map((i) => i.attrs.jid)).toContain('localhost/upload');
    const reply = await info('localhost/upload');
    const query = reply.getChild('query', NS.DISCO_INFO)!;
    expect(query.getChild('identity')!.attrs).toMatchObject({ category: 'store', type: 'file' });
    expect(query.getChildren('feature').map((f) => f.attrs.var)).toContain(NS_HTTP_UPLOAD);
    expect(formValue(reply, 'FORM_TYPE')).toBe(NS_HTTP_UPLOAD);
    expect(formValue(reply, 'max-file-size')).toBe('1000');
  });

  it("announces the administrator's current limit, and no upload feature while transfers are disabled", async () => {
    await kit.policies.set({ maxBytes: 4242 }, 'admin');
    expect(formValue(await info('localhost/upload'), 'max-file-size')).toBe('4242');
    await kit.policies.set({ enabled: false }, 'admin');
    const disabled = (await info('localhost/upload')).getChild('query', NS.DISCO_INFO)!;
    expect(disabled.getChildren('feature').map((f) => f.attrs.var)).not.toContain(NS_HTTP_UPLOAD);
    expect(disabled.getChildren('x', 'jabber:x:data')).toEqual([]);
  });

  it('advertises the type lists in a form of its own (urn:deskchat:file-policy:0), following the administrator', async () => {
    const reply = await info('localhost/upload');
    expect(formValues(reply, NS_FILE_POLICY, 'allowed-types')).toEqual([]);
    expect(formValues(reply, NS_FILE_POLICY, 'refused-types')).toEqual(['exe', 'bat', 'cmd', 'com', 'vbs', 'msi', 'js', 'scr']);
    // XEP-0363's own form stays as it was: its FORM_TYPE and max-file-size only.
    expect(formValues(reply, NS_HTTP_UPLOAD, 'max-file-size')).toEqual(['1000']);
    expect(formValues(reply, NS_HTTP_UPLOAD, 'allowed-types')).toBeUndefined();
    await kit.policies.set({ allowedTypes: ['pdf', 'png'], refusedTypes: ['exe'] }, 'admin');
    const changed = await info('localhost/upload');
    expect(formValues(changed, NS_FILE_POLICY, 'allowed-types')).toEqual(['pdf', 'png']);
    expect(formValues(changed, NS_FILE_POLICY, 'refused-types')).toEqual(['exe']);
  });
});

describe('slot requests (XEP-0363 §4)', () => {
  it('gives one unguessable URL to PUT to and to GET from, carrying the file name', async () => {
    const reply = await requestSlot(alice, { filename: 'très cool.pdf', size: '10', 'content-type': 'application/pdf' });
    expect(reply.attrs).toMatchObject({ type: 'result', from: 'localhost/upload' });
    const slot = reply.getChild('slot', NS_HTTP_UPLOAD)!;
    const url = slot.getChild('put')!.attrs.url;
    expect(slot.getChild('get')!.attrs.url).toBe(url);
    expect(url).toMatch(new RegExp(`^${BASE_URL}/files/[A-Za-z0-9_-]{24}/tr%C3%A8s%20cool\\.pdf$`));
    await expect(storedFile(url)).resolves.toMatchObject({ owner: 'alice', name: 'très cool.pdf', size: 10, type: 'application/pdf', state: 'pending' });
  });

  it('also answers a request sent to the domain itself', async () => {
    expect((await requestSlot(alice, { filename: 'a.txt', size: '1' }, 'localhost')).attrs.type).toBe('result');
  });

  it('refuses a file over the limit with not-acceptable, <file-too-large/> and the limit in the text (§4.1)', async () => {
    const reply = await requestSlot(alice, { filename: 'big.pdf', size: '1001' });
    const error = reply.getChild('error')!;
    expect(error.attrs.type).toBe('modify');
    expect(error.getChild('not-acceptable', 'urn:ietf:params:xml:ns:xmpp-stanzas')).toBeDefined();
    expect(error.getChild('file-too-large', NS_HTTP_UPLOAD)!.getChildText('max-file-size')).toBe('1000');
    expect(StanzaError.fromStanza(reply)!.text).toBe('File too large: big.pdf is 1001 bytes; the maximum is 1000 bytes (files.maxBytes)');
  });

  it('refuses a refused type, a name with a path, a bad media type and a request without a size', async () => {
    expect(StanzaError.fromStanza(await requestSlot(alice, { filename: 'setup.exe', size: '10' }))).toMatchObject({ condition: 'not-acceptable', text: 'setup.exe: files of type .exe are not accepted (files.refusedTypes)' });
    expect(StanzaError.fromStanza(await requestSlot(alice, { filename: '../../etc/passwd', size: '10' }))).toMatchObject({ condition: 'bad-request', text: expect.stringContaining('must not contain a path') });
    expect(StanzaError.fromStanza(await requestSlot(alice, { filename: 'a.txt', size: '1', 'content-type': 'text/html\r\nX-Injected: 1' }))).toMatchObject({ condition: 'bad-request' });
    expect(StanzaError.fromStanza(await requestSlot(alice, { filename: 'a.txt' }))).toMatchObject({ condition: 'bad-request', text: expect.stringContaining('size') });
  });

  it('refuses everything with not-allowed while transfers are disabled', async () => {
    await kit.policies.set({ enabled: false }, 'admin');
    expect(StanzaError.fromStanza(await requestSlot(alice, { filename: 'a.txt', size: '1' }))).toMatchObject({ condition: 'not-allowed', type: 'cancel', text: expect.stringContaining('files.enabled') });
  });

  it('refuses past the files a day and past the quota with resource-constraint (wait)', async () => {
    for (const size of ['1000', '1000']) expect((await requestSlot(alice, { filename: 'a.txt', size })).attrs.type).toBe('result');
    expect(StanzaError.fromStanza(await requestSlot(alice, { filename: 'a.txt', size: '501' }))).toMatchObject({ condition: 'resource-constraint', type: 'wait', text: expect.stringContaining('files.quotaBytesPerUser') });
    expect((await requestSlot(alice, { filename: 'a.txt', size: '500' })).attrs.type).toBe('result');
    expect(StanzaError.fromStanza(await requestSlot(alice, { filename: 'a.txt', size: '1' }))).toMatchObject({ condition: 'resource-constraint', text: expect.stringContaining('at most 3 files in 24 hours') });
    kit.clock.now += 25 * 3_600_000; // a day later the unused slots have expired and left the window
    await kit.uploads.sweep();
    expect((await requestSlot(alice, { filename: 'a.txt', size: '1' })).attrs.type).toBe('result');
  });
});

describe('offers that carry a stored file (docs/files.md)', () => {
  const offer = (to: string, url: string) =>
    xml('message', { to, type: 'chat', id: 'offer1' }, xml('body', {}, url), xml('x', { xmlns: NS_OOB }, xml('url', {}, url)), xml('file', { xmlns: 'urn:xmpp:file:metadata:0' }, xml('name', {}, 'a.txt'), xml('size', {}, '3')));
  const decline = (to: string, url: string) => xml('message', { to, type: 'chat' }, xml('decline', { xmlns: NS_FILE_OFFER, url }));

  /** bob, available (RFC 6121 §8.5.2.1: a chat to a bare JID goes to available resources). */
  async function availableBob(): Promise<HarnessClient> {
    const bob = await kit.connect('bob');
    await bob.send(xml('presence'));
    return bob;
  }

  async function uploaded(): Promise<string> {
    const url = slotUrl(await requestSlot(alice, { filename: 'a.txt', size: '3' }));
    await kit.harness.core.stores.files.write(kit.uploads.idOf(url)!, chunksOf(Buffer.from('abc')), { expiresAt: kit.clock.now + 3_600_000 });
    return url;
  }

  it("records the addressee of the owner's offer, and delivers the offer untouched", async () => {
    const bob = await availableBob();
    const url = await uploaded();
    await alice.send(offer('bob@localhost', url));
    const got = await bob.next(stanzaMatching('message'));
    expect(got.getChild('x', NS_OOB)!.getChildText('url')).toBe(url);
    await expect(storedFile(url)).resolves.toMatchObject({ recipients: ['bob@localhost'] });
  });

  it('deletes the file when its recipient declines, and delivers the decline to the sender', async () => {
    const bob = await availableBob();
    const url = await uploaded();
    await alice.send(offer('bob@localhost', url));
    await bob.next(stanzaMatching('message'));
    await bob.send(decline('alice@localhost/desk', url));
    const got = await alice.next(stanzaMatching('message'));
    expect(got.getChild('decline', NS_FILE_OFFER)!.attrs.url).toBe(url);
    await expect(storedFile(url)).resolves.toBeUndefined();
  });

  it('keeps the file until every recipient declined, and ignores declines from others and offers from non-owners', async () => {
    const url = await uploaded();
    const carol = await kit.connect('carol');
    await alice.send(offer('bob@localhost', url));
    await alice.send(offer('carol@localhost', url));
    await carol.send(offer('bob@localhost', url)); // a forward: carol does not own it
    await carol.send(decline('alice@localhost/desk', url));
    await expect(storedFile(url)).resolves.toMatchObject({ recipients: ['bob@localhost', 'carol@localhost'], declinedBy: ['carol@localhost'] });
    const bob = await kit.connect('bob');
    await bob.send(decline('alice@localhost', url));
    await expect(storedFile(url)).resolves.toBeUndefined();
  });
});

describe('expiry (files.expiryHours)', () => {
  it('removes unused slots after slotSeconds and complete files after expiryHours', async () => {
    const slot = slotUrl(await requestSlot(alice, { filename: 'never.txt', size: '3' }));
    const file = slotUrl(await requestSlot(alice, { filename: 'kept.txt', size: '3' }));
    await kit.uploads.receive(kit.uploads.idOf(file)!, 'kept.txt', { contentLength: 3, body: chunksOf(Buffer.from('abc')) });
    kit.clock.now += 301_000;
    await expect(kit.uploads.sweep()).resolves.toBe(1);
    await expect(storedFile(slot)).resolves.toBeUndefined();
    await expect(storedFile(file)).resolves.toMatchObject({ state: 'complete' });
    kit.clock.now += 72 * 3_600_000;
    await expect(kit.uploads.sweep()).resolves.toBe(1);
    await expect(storedFile(file)).resolves.toBeUndefined();
  });
});
