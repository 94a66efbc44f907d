// XEP-0363 HTTP File Upload over XMPP: the service `domain/upload` in the domain's disco#items
// (§2, with `max-file-size` in an XEP-0128 form, the type lists in a second form of our own, and
// the feature only while the policy allows transfers, so that clients hide their upload button),
// slot requests (§4), the expiry sweep, and
// the file offers that carry one of our URLs (docs/files.md): the recipients they name, and the
// `<decline/>` that deletes a file once every recipient declined it.
import xml, { type Element } from '@xmpp/xml';
import { StanzaError, NS } from '@deskchat/protocol';
import type { Module, StanzaEvent } from '@deskchat/core';
import { usePolicies } from '../policy/policy-module.js';
import { NS_HTTP_UPLOAD, Refusal } from '../refusals.js';
import { FILE_UPLOAD_SERVICE, UploadService } from './upload-service.js';

/** Our decline element (docs/files.md). */
export const NS_FILE_OFFER = 'urn:deskchat:file-offer:0';
export const NS_OOB = 'jabber:x:oob';
/** FORM_TYPE of the disco form that advertises the type lists (docs/files.md "Discovery"). */
export const NS_FILE_POLICY = 'urn:deskchat:file-policy:0';
const NS_SFS = 'urn:xmpp:sfs:0';
const NS_URL_DATA = 'http://jabber.org/protocol/url-data';
export const UPLOAD_RESOURCE = 'upload';
const SWEEP_MS = 60_000;

export interface HttpUploadModuleOptions {
  expiryHours: number;
  slotSeconds: number;
  downloadRequiresAuth: boolean;
  /** Base URL of the HTTP port as clients reach it; read when a URL is made (the port may be bound late). */
  publicUrl: () => string;
  now?: () => number;
}

export function httpUploadModule(options: HttpUploadModuleOptions): Module {
  return {
    name: 'http-upload',
    setup(api) {
      const service = new UploadService({
        ...options,
        store: api.stores.files,
        policies: usePolicies(api),
        domain: api.domain,
        log: api.log,
        events: { refused: (refusal) => void api.notify('files/refused', refusal), stored: (file) => void api.notify('files/stored', file) },
      });
      api.provide(FILE_UPLOAD_SERVICE, service);

      api.discoService(UPLOAD_RESOURCE, 'HTTP File Upload', async () => {
        const policy = await service.policy();
        return {
          identities: [{ category: 'store', type: 'file', name: 'HTTP File Upload' }],
          features: policy.enabled ? [NS_HTTP_UPLOAD, NS.DISCO_INFO] : [NS.DISCO_INFO],
          extensions: policy.enabled
            ? [
                xml(
                  'x',
                  { xmlns: 'jabber:x:data', type: 'result' },
                  xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, NS_HTTP_UPLOAD)),
                  xml('field', { var: 'max-file-size' }, xml('value', {}, String(policy.maxBytes))),
                ),
                // A separate FORM_TYPE rather than extra fields in XEP-0363's registered form
                // (XEP-0068 §3): clients can explain a refused type before uploading anything.
                xml(
                  'x',
                  { xmlns: 'jabber:x:data', type: 'result' },
                  xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, NS_FILE_POLICY)),
                  typeList('allowed-types', policy.allowedTypes),
                  typeList('refused-types', policy.refusedTypes),
                ),
              ]
            : [],
        };
      });

      // §4: slot requests, to `domain/upload` (or the domain itself, which some clients use).
      api.iq(NS_HTTP_UPLOAD, 'request', {
        async get({ payload, from }) {
          if (!from.local) throw new StanzaError('not-allowed', 'only users of this server may upload');
          const request = readRequest(payload);
          try {
            const { url } = await service.requestSlot(from.local, request);
            return xml('slot', { xmlns: NS_HTTP_UPLOAD }, xml('put', { url }), xml('get', { url }));
          } catch (err) {
            if (err instanceof Refusal) {
              void api.notify('files/refused', { code: err.code, at: 'slot' });
              throw err.toStanzaError();
            }
            throw err;
          }
        },
      });

      // Never consumes: the message is delivered as usual. Most messages offer nothing: they pass
      // without a promise.
      const onMessage = (event: StanzaEvent): false | Promise<false> => {
        if (!event.from.local || event.stanza.attrs.type === 'error') return false;
        const urls = offeredUrls(event.stanza);
        const decline = event.stanza.getChild('decline', NS_FILE_OFFER)?.attrs.url as string | undefined;
        if (urls.length === 0 && !decline) return false;
        return noteOffers(service, event, urls, decline).then(
          () => false,
          (err: unknown) => {
            api.log.error({ err }, 'could not record a file offer or decline');
            return false;
          },
        );
      };
      api.hook('message/bare', onMessage, 10);
      api.hook('message/full', onMessage, 10);

      api.timer(SWEEP_MS, () => {
        service.sweep().catch((err: unknown) => api.log.error({ err }, 'file expiry sweep failed'));
      });
    },
  };
}

/** A list of extensions as a list-multi field, one value each (none: an empty field). */
function typeList(name: string, types: readonly string[]): Element {
  return xml('field', { var: name, type: 'list-multi' }, ...types.map((t) => xml('value', {}, t)));
}

/** XEP-0363 §4: filename and size are required; content-type is optional. */
function readRequest(payload: Element): { name: string; size: number; type?: string } {
  const name = payload.attrs.filename;
  const size = payload.attrs.size;
  if (typeof name !== 'string' || name === '') throw new StanzaError('bad-request', 'the request needs a filename (XEP-0363 §4)');
  if (typeof size !== 'string' || !/^\d{1,15}$/.test(size)) throw new StanzaError('bad-request', 'the request needs a size in bytes (XEP-0363 §4)');
  const type = payload.attrs['content-type'];
  return { name, size: Number(size), ...(typeof type === 'string' ? { type } : {}) };
}

/** The URLs an offer carries: XEP-0066 out-of-band data and XEP-0447 url-data sources. */
function offeredUrls(stanza: Element): string[] {
  const urls: string[] = [];
  for (const x of stanza.getChildren('x', NS_OOB)) {
    const url = x.getChildText('url');
    if (url) urls.push(url.trim());
  }
  for (const sharing of stanza.getChildren('file-sharing', NS_SFS)) {
    for (const data of sharing.getChild('sources')?.getChildren('url-data', NS_URL_DATA) ?? []) {
      if (data.attrs.target) urls.push(data.attrs.target);
    }
  }
  return urls;
}

async function noteOffers(service: UploadService, { from, to }: StanzaEvent, urls: string[], declined: string | undefined): Promise<void> {
  const recipient = to.bare().toString();
  for (const url of urls) await service.recordOffer(url, from.local, recipient);
  if (declined) await service.recordDecline(declined, from.bare().toString());
}
