import type { Module } from '../module-api.js';
import { deliveryModule } from './delivery.js';
import { discoModule } from './disco.js';
import { pingModule } from './ping.js';
import { versionModule } from './version.js';
import { legacySessionModule } from './legacy-session.js';

export { deliveryModule, discoModule, pingModule, versionModule, legacySessionModule };
export { FALLBACK } from './delivery.js';

/** The modules every node loads. */
export const coreModules: Module[] = [deliveryModule, discoModule, pingModule, versionModule, legacySessionModule];
