// The SettingsStore contract suite, run against a real redis-server.
import { settingsStoreContract } from '@deskchat/testing';
import { useRedisServer } from '../__tests__/redis-fixture.js';
import { RedisSettingsStore } from './redis-settings-store.js';

const fixture = useRedisServer();

settingsStoreContract('redis', async () => ({ store: new RedisSettingsStore(await fixture.fresh()) }));
