export { pubsubServiceModule, defaultServiceConfig, PUBSUB_OWNER, PUBSUB_SERVICE_FEATURES } from './pubsub-service.js';
export { parsePubsubOptions, DEFAULT_PUBSUB_OPTIONS, type PubsubOptions } from './pubsub-options.js';
