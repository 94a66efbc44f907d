// @deskchat/server: the composition root and the `deskchat` CLI.
export { loadConfig, parseConfig, ENV_KEYS, type ServerConfig } from './config.js';
export { startNode, ListenError, type RunningNode } from './node.js';
export { createLogger } from './logger.js';
