// Every piece of text the gadget shows, in one place so that it can be translated: replace this
// object (same keys) for another language. Functions build the texts that carry values.
import type { FileState } from './model/chats.js';
import { formatSize, type FileRefusal } from './model/file-policy.js';
import type { PresenceState } from './model/presence.js';

export const TEXT = {
  appTitle: 'Desktop Chat',

  // Sign-in
  signInHeading: 'Sign in to Desktop Chat',
  username: 'Username',
  password: 'Password',
  signIn: 'Sign In',
  signingIn: 'Signing in…',
  resuming: 'Reconnecting…',
  missingCredentials: 'Enter your username and password.',
  invalidUsername: 'Enter a username such as jdoe or jdoe@example.com.',
  wrongPassword: 'The username or password is not correct.',
  unreachable: 'The chat server cannot be reached. Try again later.',
  certificateHint: 'If the chat server uses a certificate your browser does not trust yet, open the server page, accept the certificate, then sign in again:',
  certificateLink: (url: string) => `Open ${url}`,
  refused: (condition: string) => `The chat server refused the sign-in (${condition}).`,
  sessionEnded: 'Your chat session has ended. Sign in again.',

  // Own state
  stateMenu: (state: string) => `Your state: ${state}. Change state or sign out`,
  stateNames: {
    available: 'Available',
    away: 'Away',
    phone: 'On the phone',
    meeting: 'In a meeting',
    dnd: 'Do Not Disturb',
    offline: 'Offline',
  } satisfies Record<PresenceState, string>,
  setAvailable: 'Available',
  setAway: 'Away',
  setDnd: 'Do Not Disturb…',
  signOut: 'Sign Out',
  dndTitle: 'Do Not Disturb',
  dndMessage: 'Message (optional)',
  setState: 'Set',

  // Search
  search: 'Search',
  searchPlaceholder: 'Search by name or ID',
  searchResults: 'Search results',
  searchNone: 'No matching users.',
  searching: 'Searching…',
  searchFailed: 'Search failed.',
  addFromSearch: (name: string) => `Add ${name} to contacts`,

  // Contact list
  contactList: 'Contacts',
  recentChats: 'Recent Chats',
  ungrouped: 'Other contacts',
  noContacts: 'Your contact list is empty. Search for people above to add them.',
  groupActions: (group: string) => `Actions for group ${group}`,
  contactActions: (name: string) => `Actions for ${name}`,
  contactLabel: (name: string, state: string, status?: string) => `${name}, ${state}${status && status !== state ? `, ${status}` : ''}`,
  pending: 'Waiting for approval',
  add: 'Add',
  edit: 'Edit',
  move: 'Move',
  delete: 'Delete',
  cancel: 'Cancel',
  save: 'Save',
  chat: 'Chat',
  selected: (n: number) => `${n} selected`,
  clearSelection: 'Clear selection',
  selectionHint: 'Ctrl+click (or Ctrl+Space) selects several contacts.',

  // Contact dialogs
  addContactTitle: 'Add Contact',
  editContactTitle: 'Edit Contact',
  contactId: 'Contact (username or address)',
  displayName: 'Display name',
  addToGroup: 'Add to group',
  groups: 'Groups',
  newGroup: 'New group…',
  newGroupName: 'New group name',
  selectDestination: 'Select Destination',
  destination: 'Group',
  deleteContactTitle: 'Delete Contact',
  deleteContactConfirm: (names: string, group?: string) => (group ? `Delete ${names} from ${group}?` : `Delete ${names}?`),
  deleteRowsConfirm: (n: number) => `Delete ${n} selected contacts from their groups?`,
  editGroupTitle: 'Group',
  groupName: 'Group name',
  deleteGroupTitle: 'Delete Group',
  deleteGroupConfirm: (group: string) => `Delete the group ${group} and its contacts? Contacts that are also in other groups stay there.`,
  needGroup: 'Choose a group or enter a new group name.',
  needContact: 'Enter the contact’s username or address.',
  cannotAddSelf: 'You cannot add yourself.',
  operationFailed: (text: string) => `The contact list was not changed: ${text}`,

  // Chat window
  chatWindow: 'Chat window',
  chatsIcon: 'Chats',
  chatsIconUnread: (n: number) => `Chats, ${n} with unread messages`,
  minimizedHeader: (n: number) => (n === 0 ? 'Chats' : n === 1 ? 'Chats (1 unread chat)' : `Chats (${n} unread chats)`),
  minimize: 'Minimize chat window',
  restore: 'Restore chat window',
  enlarge: 'Enlarge chat window',
  shrink: 'Restore chat window size',
  closeAll: 'Close all chats',
  closeAllConfirm: 'Close all chats?',
  close: 'Close',
  closeTab: (name: string) => `Close chat with ${name}`,
  tabLabel: (name: string, unread: number) => (unread > 0 ? `${name}, ${unread} unread` : name),
  moreTabs: (n: number) => `${n} more chats`,
  messages: (name: string) => `Conversation with ${name}`,
  typeMessage: 'Type a message',
  messageInput: (name: string) => `Message to ${name}`,
  send: 'Send',
  signedOutContact: (name: string) => `${name} is signed out. You cannot send messages.`,
  typing: (name: string) => `${name} is typing…`,
  you: 'You',
  notDelivered: (text?: string) => `Not delivered${text ? `: ${text}` : ''}`,
  notificationTitle: (name: string) => `New message from ${name}`,

  // Files (docs/files.md)
  sendFile: 'Send a file',
  sendFileTo: (name: string) => `Send a file to ${name}`,
  fileOffered: (file: string) => `Sent you a file: ${file}`,
  fileSize: (bytes: number | undefined) => (bytes === undefined ? 'size unknown' : formatSize(bytes)),
  fileLabel: (file: string, size: number | undefined) => `File ${file}, ${size === undefined ? 'size unknown' : formatSize(size)}`,
  fileStates: {
    uploading: 'Uploading…',
    offered: 'Sent. Waiting for an answer.',
    'not-sent': 'Not sent',
    interrupted: 'Not sent: the page was reloaded during the upload.',
    incoming: 'Accept to save it in your downloads.',
    accepted: 'Accepted: saved in your downloads.',
    declined: 'Declined',
  } satisfies Record<FileState, string>,
  declinedBy: (name: string) => `Declined by ${name}`,
  accept: 'Accept',
  decline: 'Decline',
  downloadAgain: 'Download again',
  acceptFile: (file: string) => `Accept ${file}`,
  declineFile: (file: string) => `Decline ${file}`,
  declineBody: (file: string) => `Declined the file ${file}`,
  filesDisabled: 'File transfer is disabled by the administrator.',
  uploadFailed: 'The upload failed. Try again later.',
  downloadFailed: 'The file could not be downloaded. Try again later.',
  fileRefused: (file: string, refusal: FileRefusal): string => {
    switch (refusal.kind) {
      case 'type-refused':
        return `${file}: files of type .${refusal.ext} are not accepted.`;
      case 'type-not-allowed':
        return `${file}: ${refusal.ext ? `files of type .${refusal.ext} are` : 'files without an extension are'} not accepted. Accepted types: ${refusal.allowed.join(', ')}.`;
      case 'too-large':
        return `${file} is too large (${formatSize(refusal.size)}). The largest file you can send is ${formatSize(refusal.maxBytes)}.`;
    }
  },
} as const;


export type Text = typeof TEXT;

/** A short time of day for messages ("14:05"). */
export function timeOfDay(at: number): string {
  return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
