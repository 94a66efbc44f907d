// Provides the one FilePolicyService the other file modules and the admin API use
// (`api.use(FILE_POLICY_SERVICE)`); load it before them.
import type { Module, ModuleApi } from '@deskchat/core';
import { FilePolicyService } from './policy-service.js';
import type { FilePolicy } from './policy.js';

export const FILE_POLICY_SERVICE = 'file-policy';

export function filePolicyModule(defaults: FilePolicy): Module {
  return {
    name: 'file-policy',
    setup(api) {
      api.provide(FILE_POLICY_SERVICE, new FilePolicyService(api.stores.settings, defaults, api.log));
    },
  };
}

/** The policy service, or a clear error about the load order. */
export function usePolicies(api: ModuleApi<unknown>): FilePolicyService {
  const service = api.use<FilePolicyService>(FILE_POLICY_SERVICE);
  if (!service) throw new Error(`${api.name}: load the file-policy module first`);
  return service;
}
