// @deskchat/testing: the test kit (storage contract suites, harness, matchers). Never ships in production.
export { accountStoreContract, type AccountStoreFixture } from './contracts/account-store-contract.js';
export { vcardStoreContract, type VCardStoreFixture } from './contracts/vcard-store-contract.js';
export { startLdapServer, sshaPassword, type LdapTestServer, type LdapTestUser } from './ldap-server.js';
export { offlineStoreContract, type OfflineStoreFixture } from './contracts/offline-store-contract.js';
export { rosterStoreContract, type RosterStoreFixture } from './contracts/roster-store-contract.js';
export { FakeTransport } from './fake-transport.js';
export { Harness, type HarnessClient } from './harness.js';
export { freePort } from './ports.js';
export { stanzaMatching, isStanzaError } from './matchers.js';
export { privateXmlStoreContract, type PrivateXmlStoreFixture } from './contracts/private-xml-store-contract.js';
export { settingsStoreContract, type SettingsStoreFixture } from './contracts/settings-store-contract.js';
export { launchChromium, artifactDir, CHROMIUM_PATH, type TestBrowser } from './chromium.js';
export { fileStoreContract, newFile, chunksOf, collect, type FileStoreFixture } from './contracts/file-store-contract.js';
