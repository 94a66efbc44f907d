// Durable port: XEP-0054 vcard-temp documents, one per account, with the fields the user directory
// (XEP-0055 search) reads extracted beside them so that a search never parses XML.

/** Searchable fields extracted from a vCard (XEP-0054 §3.1 element names in brackets). */
export interface VCardFields {
  /** Formatted name [FN]. */
  fn?: string;
  /** [NICKNAME] */
  nickname?: string;
  /** The first e-mail address [EMAIL/USERID]. */
  email?: string;
  /** [N/GIVEN] */
  given?: string;
  /** [N/FAMILY] */
  family?: string;
}

export interface StoredVCard {
  /** The whole `<vCard xmlns='vcard-temp'>` element, serialised. */
  xml: string;
  fields: VCardFields;
}

export interface VCardStore {
  getVCard(username: string): Promise<StoredVCard | undefined>;
  /** Stores (replacing) the user's vCard: XEP-0054 has no partial update. */
  setVCard(username: string, vcard: StoredVCard): Promise<void>;
  /** `false` when the user had no vCard. */
  removeVCard(username: string): Promise<boolean>;
  /** The directory fields of those of `usernames` that have a vCard (one batch per page of accounts). */
  getDirectoryFields(usernames: readonly string[]): Promise<Map<string, VCardFields>>;
  /** Account removal: drops everything this store holds for the user. */
  removeUser(username: string): Promise<void>;
}
