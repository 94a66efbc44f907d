// The file-transfer stanzas the gadget reads (docs/files.md), parsed from XML as the server sends
// them: the upload service's disco#info with its two XEP-0128 forms, a slot, offers (XEP-0066 with
// and without XEP-0446 metadata, and what must never become an offer), and the decline.
import { describe, expect, it } from '@jest/globals';
import { DOMParser } from '@xmldom/xmldom';
import { readDecline, readFileOffer, readSlot, readUploadService, type XmlElement } from './files.js';

const parse = (xml: string) => new DOMParser().parseFromString(xml, 'text/xml').documentElement as unknown as XmlElement;
const URL_1 = 'http://127.0.0.1:5280/files/Yd3Xk/Quarterly%20report.pdf';

describe('readUploadService (XEP-0363 §2, XEP-0128)', () => {
  const info = (body: string) =>
    parse(`<query xmlns='http://jabber.org/protocol/disco#info'><identity category='store' type='file' name='HTTP File Upload'/><feature var='http://jabber.org/protocol/disco#info'/>${body}</query>`);
  const uploadForm = `<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:http:upload:0</value></field><field var='max-file-size'><value>5242880</value></field></x>`;

  it('reads max-file-size and the type lists of urn:deskchat:file-policy:0', () => {
    const query = info(
      `<feature var='urn:xmpp:http:upload:0'/>${uploadForm}<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>urn:deskchat:file-policy:0</value></field><field var='allowed-types' type='list-multi'/><field var='refused-types' type='list-multi'><value>exe</value><value>BAT</value></field></x>`,
    );
    expect(readUploadService(query)).toEqual({ isEnabled: true, policy: { maxBytes: 5242880, allowedTypes: [], refusedTypes: ['exe', 'bat'] } });
  });

  it('takes a service without our form (another server) with no type lists, and knows a disabled one by the missing feature', () => {
    expect(readUploadService(info(`<feature var='urn:xmpp:http:upload:0'/>${uploadForm}`))).toEqual({ isEnabled: true, policy: { maxBytes: 5242880, allowedTypes: [], refusedTypes: [] } });
    expect(readUploadService(info(''))).toEqual({ isEnabled: false, policy: { allowedTypes: [], refusedTypes: [] } });
  });

  it('is undefined for anything that is not an upload service', () => {
    expect(readUploadService(parse(`<query xmlns='http://jabber.org/protocol/disco#info'><identity category='proxy' type='bytestreams'/></query>`))).toBeUndefined();
  });
});

describe('readSlot (XEP-0363 §4)', () => {
  it('reads the PUT and GET URLs and keeps only the headers §4 allows', () => {
    const slot = parse(
      `<slot xmlns='urn:xmpp:http:upload:0'><put url='${URL_1}'><header name='Authorization'>Basic x</header><header name='Host'>evil</header></put><get url='${URL_1}'/></slot>`,
    );
    expect(readSlot(slot)).toEqual({ put: URL_1, get: URL_1, headers: { Authorization: 'Basic x' } });
    expect(readSlot(parse(`<slot xmlns='urn:xmpp:http:upload:0'><put url='javascript:alert(1)'/><get url='${URL_1}'/></slot>`))).toBeUndefined();
  });
});

describe('readFileOffer (docs/files.md "The offer")', () => {
  it('reads the URL, name, size and type of the offer the gadget sends', () => {
    const message = parse(
      `<message xmlns='jabber:client' type='chat' from='alice@localhost/gadget' id='offer-7'><body>${URL_1}</body><x xmlns='jabber:x:oob'><url>${URL_1}</url></x><file xmlns='urn:xmpp:file:metadata:0'><name>Quarterly report.pdf</name><size>183422</size><media-type>application/pdf</media-type></file></message>`,
    );
    expect(readFileOffer(message)).toEqual({ url: URL_1, name: 'Quarterly report.pdf', size: 183422, type: 'application/pdf' });
  });

  it('names an offer of out-of-band data alone by the URL’s last segment, with no size', () => {
    const message = parse(`<message xmlns='jabber:client'><body>${URL_1}</body><x xmlns='jabber:x:oob'><url> ${URL_1} </url></x></message>`);
    expect(readFileOffer(message)).toEqual({ url: URL_1, name: 'Quarterly report.pdf' });
  });

  it('never takes a javascript: or data: URL, a plain chat message, or a size that is not a number', () => {
    expect(readFileOffer(parse(`<message xmlns='jabber:client'><x xmlns='jabber:x:oob'><url>javascript:alert(1)</url></x></message>`))).toBeUndefined();
    expect(readFileOffer(parse(`<message xmlns='jabber:client'><x xmlns='jabber:x:oob'><url>data:text/html,hi</url></x></message>`))).toBeUndefined();
    expect(readFileOffer(parse(`<message xmlns='jabber:client'><body>${URL_1}</body></message>`))).toBeUndefined();
    const odd = parse(`<message xmlns='jabber:client'><x xmlns='jabber:x:oob'><url>${URL_1}</url></x><file xmlns='urn:xmpp:file:metadata:0'><name>a.pdf</name><size>-3</size></file></message>`);
    expect(readFileOffer(odd)).toEqual({ url: URL_1, name: 'a.pdf' });
  });
});

describe('readDecline (docs/files.md "Decline")', () => {
  it('reads the URL and the offer id; an element without a URL is no decline', () => {
    expect(readDecline(parse(`<message xmlns='jabber:client'><decline xmlns='urn:deskchat:file-offer:0' url='${URL_1}' id='offer-7'/><body>Declined the file x</body></message>`))).toEqual({ url: URL_1, id: 'offer-7' });
    expect(readDecline(parse(`<message xmlns='jabber:client'><decline xmlns='urn:deskchat:file-offer:0' url='${URL_1}'/></message>`))).toEqual({ url: URL_1 });
    expect(readDecline(parse(`<message xmlns='jabber:client'><decline xmlns='urn:deskchat:file-offer:0'/></message>`))).toBeUndefined();
    expect(readDecline(parse(`<message xmlns='jabber:client'><decline xmlns='urn:other' url='${URL_1}'/></message>`))).toBeUndefined();
  });
});
