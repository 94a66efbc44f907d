// @deskchat/web: browser code. This entry exports only the DOM-free logic that jest tests run in
// Node; the apps themselves are bundled from src/gadget/main.ts and src/admin/main.ts by build.mjs.
export { WEB_APPS, type WebAppName } from './shared/apps.js';

// The desktop-chat gadget's models (issue #12): contact list as roster sets, presence, chats.
export { Roster, addContact, editContact, moveContacts, deleteRows, renameGroup, deleteGroup, localpart, type RosterItem, type RosterChange, type ContactRow, type Subscription } from './gadget/model/roster.js';
export { PresenceBook, summarize, isSignedOut, OFFLINE, type ContactPresence, type PresenceState, type ResourcePresence, type Show } from './gadget/model/presence.js';
export { ChatStore, VISIBLE_TABS, MAX_MESSAGES, type ChatMessage, type ChatSnapshot, type Conversation, type WindowState, type FileState, type FileTransfer } from './gadget/model/chats.js';
// The file policy as the gadget checks it before an upload (docs/files.md).
export { checkFile, extensionOf, formatSize, type FileRefusal, type UploadPolicy } from './gadget/model/file-policy.js';
export { TabSession, type KeyValueStorage, type TabSessionData, type ChosenState } from './gadget/model/tab-session.js';
// Where the gadget connects: chat-server settings and the failover order discovery fills in.
export { resolveChatServers, failoverOrder, signInJid, serviceUrl, validServerUrl, pageParam, CHAT_SERVERS_PATH, type ChatServers, type TransportKind } from './gadget/connection/servers.js';
// Every UI text, for translation.
export { TEXT, type Text } from './gadget/text.js';
