// The policy at run time: the administrator's value in core's SettingsStore (key `files.policy`),
// else the config file's (`files.*`). Both pass through parseFilePolicy. Read from the store on
// each use, so that a change made through another node's admin API applies here at once.
import { OptionsError, type Logger, type SettingsStore } from '@deskchat/core';
import { parseFilePolicy, type FilePolicy } from './policy.js';

export const FILE_POLICY_KEY = 'files.policy';

export interface PolicyReport {
  policy: FilePolicy;
  /** `config`: the config file's (or built-in) values; `admin`: set through the admin API. */
  source: 'config' | 'admin';
  /** What `source: config` would be: the policy a DELETE returns to. */
  defaults: FilePolicy;
  updatedAt?: number;
  updatedBy?: string;
}

export class FilePolicyService {
  constructor(
    private readonly settings: SettingsStore,
    private readonly defaults: FilePolicy,
    private readonly log?: Logger,
  ) {}

  async current(): Promise<FilePolicy> {
    return (await this.report()).policy;
  }

  async report(): Promise<PolicyReport> {
    const stored = await this.settings.get(FILE_POLICY_KEY);
    if (stored) {
      try {
        // Validated again: a value written by an older or newer version must not bypass the parser.
        const policy = parseFilePolicy(stored.value, 'files', this.defaults);
        return { policy, source: 'admin', defaults: this.defaults, updatedAt: stored.updatedAt, ...(stored.updatedBy ? { updatedBy: stored.updatedBy } : {}) };
      } catch (err) {
        this.log?.error({ err: (err as Error).message, key: FILE_POLICY_KEY }, 'the stored file policy is invalid; using the configured one');
      }
    }
    return { policy: this.defaults, source: 'config', defaults: this.defaults };
  }

  /**
   * Validates `value` (keys it omits take the configured default) and stores it whole.
   * Throws OptionsError naming the key, as the config file's parser does.
   */
  async set(value: unknown, updatedBy: string): Promise<PolicyReport> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OptionsError('files', 'must be a JSON object of policy settings');
    const policy = parseFilePolicy(value, 'files', this.defaults);
    await this.settings.set(FILE_POLICY_KEY, policy, updatedBy);
    return this.report();
  }

  /** Back to the configured policy. */
  async reset(): Promise<PolicyReport> {
    await this.settings.remove(FILE_POLICY_KEY);
    return this.report();
  }
}
