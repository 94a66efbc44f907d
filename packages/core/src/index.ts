// @deskchat/core: the transport-free XMPP core. Opens no sockets and listens on nothing.
export { silentLogger, TaggedLogger, type Logger } from './log.js';
export * from './storage/index.js';
export {
  deriveCredentials,
  deriveScramCredential,
  checkPassword,
  checkPasswordAsync,
  preparePassword,
  DEFAULT_ITERATIONS,
} from './sasl/credentials.js';
export { defaultMechanisms, createPlainMechanism, type PasswordVerifier } from './sasl/index.js';
export { SaslFailure, type SaslMechanism, type SaslContext, type SaslExchange, type SaslStep } from './sasl/types.js';
export { XmppStreamParser, parseDocument, DEFAULT_XML_LIMITS, type XmlLimits, type StreamParserHandlers } from './xml/index.js';
export { HookBus, type HookHandler, type HookName } from './hooks.js';
export type { HookEvents, StanzaEvent, DeliveryEvent, DiscoInfo, DiscoItem, DiscoNodeItems } from './hook-events.js';
export { IqDispatcher, type IqContext, type IqHandler, type IqHandlers, type IqScope } from './iq-dispatcher.js';
export { loadModule, type Module, type ModuleApi, type ModuleRouter, type LoadedModule } from './module-api.js';
export {
  DEFAULT_CORE_OPTIONS,
  OptionsError,
  parseCoreOptions,
  checkBoolean,
  checkDomain,
  checkInteger,
  type CoreOptions,
} from './options.js';
export { Router, type Resource } from './router.js';
export { Session, clampPriority, isReachable, type SessionState, type SessionPresence } from './session.js';
export { SmService, SM_NS } from './stream/sm/sm-service.js';
export { StreamManagement } from './stream/sm/stream-management.js';
export { DEFAULT_SM_OPTIONS, systemClock, type Clock, type SmOptions } from './stream/sm/sm-options.js';
export { parseSmOptions } from './stream/sm/parse-sm-options.js';
export { SEQ_MODULUS, nextSeq, seqDistance, parseSeq } from './stream/sm/counters.js';
export { SessionRegistry } from './session-registry.js';
export { memoryStores, type Stores } from './stores.js';
export { removeAccount, type AccountRemovalOptions } from './account-removal.js';
export { isLoopbackAddress, type Transport, type TransportKind } from './transport.js';
export { Core, type CoreInit } from './core.js';
export { Admission } from './admission.js';
export { RateLimitedSignIns, memorySignInCounters, type SignInCounters, type SignInLimiter, type SignInLimits } from './stream/sign-in-limiter.js';
export { coreModules, deliveryModule, discoModule, pingModule, versionModule, FALLBACK } from './modules/index.js';
export { CAPS_NS, SERVER_CAPS_NODE, capsVerOf, readCaps, isSupportedCapsHash } from './modules/caps.js';
export { normalizeUsername, isValidUsername } from './username.js';
export * from './volatile/index.js';
export type { ClusterRegistry, JoinResult, NodeAddress, NodeInfo, NodeStatus } from './cluster/cluster-registry.js';
export { MemoryClusterRegistry } from './cluster/memory-cluster-registry.js';
export { homesOf, isServing, redirectTarget, balancedNode, pairsOf, hashIndex, type Homes } from './cluster/homes.js';
export { clusterModule, CLUSTER_NS, DOMAIN_BASED_NAME_NS, type ClusterOptions } from './cluster/cluster-module.js';
export { Membership, ClusterJoinError, type MembershipOptions } from './cluster/membership.js';
export { takeOver, mayTakeOver, type TakeoverResult } from './cluster/takeover.js';
export { noopMetrics, type Metrics, type MetricSpec, type MetricLabels, type MetricSample, type Counter, type Gauge, type Histogram } from './metrics.js';
export { SessionLoadLimit, parseLoadLimits, DEFAULT_LOAD_LIMITS, LOAD_LIMIT_TEXT, type LoadLimits } from './load-limit.js';
export { flatString, ownString } from './flat-string.js';
