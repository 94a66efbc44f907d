// @deskchat/protocol: the XMPP vocabulary shared by the server and the browser gadget.
// Must not import node:* (the browser uses it).
export { NS, type Namespace } from './ns.js';
export {
  StanzaError,
  STANZA_ERROR_TYPES,
  errorReply,
  type StanzaErrorCondition,
  type StanzaErrorType,
} from './stanza-error.js';
export { boundedText, MAX_ERROR_TEXT } from './error-text.js';
export { StreamError, STREAM_ERROR_CONDITIONS, type StreamErrorCondition } from './stream-error.js';
export { JID, parseJid, bareJid, toBare } from './jid.js';
export { prepareUsername, prepareOpaqueString, prepareLocalpart, prepareResourcepart, passesBidiRule } from './precis/profiles.js';
export { isStanza, iqResult, iqPayload, childElements, isDelayedBy, withAttrs, type StanzaKind } from './stanza.js';
export { default as xml, Element } from '@xmpp/xml';
export { MAM_NS, parseMamQuery, parseDateTime, mamQueryForm, mamResult, mamFin, stanzaId, parseMamPrefs, mamPrefsElement, type MamQuery, type MamPrefs, type MamDefault } from './mam.js';
