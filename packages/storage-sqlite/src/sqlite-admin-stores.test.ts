import { adminStoresContract } from '@deskchat/testing';
import { freshStores } from './__tests__/fixture.js';

adminStoresContract('sqlite', async () => {
  const { store, cleanup } = await freshStores((s) => ({ admins: s.admins, apiTokens: s.apiTokens, audit: s.audit, invitations: s.invitations }))();
  return { stores: store, cleanup };
});
