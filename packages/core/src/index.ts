// @deskchat/core: the transport-free XMPP core. Opens no sockets and listens on nothing.
export { silentLogger, type Logger } from './log.js';
export * from './storage/index.js';
export {
  deriveCredentials,
  deriveScramCredential,
  checkPassword,
  checkPasswordAsync,
  DEFAULT_ITERATIONS,
} from './sasl/credentials.js';
export { defaultMechanisms, createPlainMechanism, type PasswordVerifier } from './sasl/index.js';
export { SaslFailure, type SaslMechanism, type SaslContext, type SaslExchange, type SaslStep } from './sasl/types.js';
export { XmppStreamParser, parseDocument, DEFAULT_XML_LIMITS, type XmlLimits, type StreamParserHandlers } from './xml/index.js';
export { HookBus, type HookHandler, type HookName } from './hooks.js';
export type { HookEvents, StanzaEvent, DeliveryEvent, DiscoInfo, DiscoItem } from './hook-events.js';
export { IqDispatcher, type IqContext, type IqHandler, type IqHandlers, type IqScope } from './iq-dispatcher.js';
export { loadModule, type Module, type ModuleApi, type LoadedModule } from './module-api.js';
export {
  DEFAULT_CORE_OPTIONS,
  OptionsError,
  parseCoreOptions,
  checkBoolean,
  checkDomain,
  checkInteger,
  type CoreOptions,
} from './options.js';
export { Router } from './router.js';
export { Session, type SessionState, type SessionPresence } from './session.js';
export { SessionRegistry } from './session-registry.js';
export { memoryStores, removeAccount, type Stores } from './stores.js';
export { isLoopbackAddress, type Transport, type TransportKind } from './transport.js';
export { Core, type CoreInit } from './core.js';
export { coreModules, deliveryModule, discoModule, pingModule, versionModule, FALLBACK } from './modules/index.js';
export { normalizeUsername, isValidUsername } from './username.js';
