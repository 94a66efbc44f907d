// @deskchat/testing: the test kit (storage contract suites, harness, matchers). Never ships in production.
export { accountStoreContract, type AccountStoreFixture } from './contracts/account-store-contract.js';
export { FakeTransport } from './fake-transport.js';
export { Harness, type HarnessClient } from './harness.js';
export { freePort } from './ports.js';
export { stanzaMatching, isStanzaError } from './matchers.js';
