// XEP-0191 §3.2 (by reference to XEP-0016 §2.1): a blocked JID item matches a peer address by
// these forms, checked in order — <user@domain/resource>, <user@domain>, <domain/resource>,
// <domain>. Items are stored normalized (parseJid(...).toString()), so matching is string equality.
import type { JID } from '@deskchat/protocol';

/** The forms of `jid` a blocked item may equal (XEP-0016 §2.1 order). */
export function matchForms(jid: JID): string[] {
  const forms: string[] = [];
  if (jid.local && jid.resource) forms.push(jid.toString());
  if (jid.local) forms.push(jid.bare().toString());
  if (jid.resource) forms.push(`${jid.domain}/${jid.resource}`);
  forms.push(jid.domain);
  return forms;
}

/** Whether any blocked item matches `jid`. */
export function isBlockedBy(items: readonly string[], jid: JID): boolean {
  if (items.length === 0) return false;
  const set = new Set(items);
  return matchForms(jid).some((form) => set.has(form));
}
