// XEP-0054 vcard-temp: reads the directory fields (FN, NICKNAME, EMAIL/USERID, N/GIVEN, N/FAMILY)
// out of a <vCard/>, and the display name rule the directory shows.
import type { Element } from '@xmpp/xml';
import type { VCardFields } from '@deskchat/core';

/** Trimmed text, or undefined for missing or blank (a blank field is no field). */
function text(el: Element | undefined): string | undefined {
  const value = el?.getText().trim();
  return value ? value : undefined;
}

/** The e-mail address: XEP-0054 §8 puts it in <USERID/>; old clients wrote it as the text of <EMAIL/>. */
function email(vcard: Element): string | undefined {
  for (const el of vcard.getChildren('EMAIL')) {
    const value = text(el.getChild('USERID')) ?? text(el);
    if (value) return value;
  }
  return undefined;
}

export function extractVCardFields(vcard: Element): VCardFields {
  const n = vcard.getChild('N');
  const fields: VCardFields = {
    fn: text(vcard.getChild('FN')),
    nickname: text(vcard.getChild('NICKNAME')),
    email: email(vcard),
    given: text(n?.getChild('GIVEN')),
    family: text(n?.getChild('FAMILY')),
  };
  for (const key of Object.keys(fields) as (keyof VCardFields)[]) if (fields[key] === undefined) delete fields[key];
  return fields;
}

/** The name a directory shows: the vCard's FN, else the account's name, else the username. */
export function displayName(username: string, account?: { name?: string }, vcard?: VCardFields): string {
  return vcard?.fn || account?.name?.trim() || username;
}
