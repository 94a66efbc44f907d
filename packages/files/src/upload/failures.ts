// The HTTP side's failures (XEP-0363 §5 uploads, downloads) in one registry (conventions §4).
// Bodies are plain text: Converse.js shows "Your server's response: <text>" and slixmpp raises it
// in HTTPError, so the text is what the user reads.
import type { Refusal } from '../refusals.js';

export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly text: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(text);
    this.name = 'HttpFailure';
  }
}

export const failures = {
  noSlot: () => new HttpFailure(404, 'No such upload slot: request a slot first (XEP-0363 §4).'),
  noFile: () => new HttpFailure(404, 'No such file: it may have expired or been declined.'),
  slotUsed: () => new HttpFailure(409, 'This upload slot was already used: request a new slot for another upload (XEP-0363 §5).'),
  busy: () => new HttpFailure(409, 'Another upload to this slot is in progress.'),
  expired: (seconds: number) => new HttpFailure(410, `This upload slot expired (slots wait ${seconds} seconds, files.slotSeconds): request a new slot.`),
  lengthRequired: () => new HttpFailure(411, 'Send Content-Length with the size declared in the slot request (XEP-0363 §5).'),
  sizeMismatch: (declared: number, sent: number) => new HttpFailure(400, `Content-Length ${sent} does not match the size declared for this slot, ${declared} bytes (XEP-0363 §5).`),
  typeMismatch: (declared: string, sent: string) => new HttpFailure(415, `Content-Type ${sent} does not match the type declared for this slot, ${declared} (XEP-0363 §5).`),
  incomplete: (declared: number) => new HttpFailure(400, `The upload did not carry exactly the ${declared} bytes declared for this slot; nothing was kept.`),
  idle: (seconds: number) => new HttpFailure(408, `The upload sent nothing for ${seconds} seconds and was cut (files.uploadIdleSeconds); nothing was kept.`),
  noSpace: () => new HttpFailure(507, 'The server has no room to store this file now; nothing was kept. Try again later.'),
  unauthorized: () => new HttpFailure(401, 'Sign in with your chat user name and password to download this file (files.downloadRequiresAuth).', { 'WWW-Authenticate': 'Basic realm="DeskChat files", charset="UTF-8"' }),
  forbidden: () => new HttpFailure(403, 'Only the sender and the recipients of this file may download it (files.downloadRequiresAuth).'),
  fromRefusal: (refusal: Refusal) => new HttpFailure(refusal.http, refusal.text),
} as const;
