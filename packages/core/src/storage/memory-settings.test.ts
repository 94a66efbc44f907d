import { settingsStoreContract } from '@deskchat/testing';
import { MemorySettingsStore } from './memory-settings.js';

settingsStoreContract('memory', async () => ({ store: new MemorySettingsStore() }));
