// Namespaces of the directory protocols. They belong in @deskchat/protocol's NS; they live here
// until that file is edited (it is shared with the browser gadget and owned elsewhere).
export const NS_VCARD = 'vcard-temp'; // XEP-0054
export const NS_SEARCH = 'jabber:iq:search'; // XEP-0055
export const NS_DATA = 'jabber:x:data'; // XEP-0004
