import { adminStoresContract } from '@deskchat/testing';
import { memoryAdminStores } from './memory-admin-stores.js';

adminStoresContract('memory', async () => ({ stores: memoryAdminStores() }));
