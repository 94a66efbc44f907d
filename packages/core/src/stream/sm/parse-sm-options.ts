// The `sm` configuration section's parser (conventions §8): unknown keys and bad values are named.
import { OptionsError, checkBoolean, checkInteger } from '../../options.js';
import { DEFAULT_SM_OPTIONS, type SmOptions } from './sm-options.js';

const KNOWN = Object.keys(DEFAULT_SM_OPTIONS);

export function parseSmOptions(raw: Record<string, unknown> | undefined, prefix = 'sm'): SmOptions {
  const d = DEFAULT_SM_OPTIONS;
  const r = raw ?? {};
  for (const key of Object.keys(r)) if (!KNOWN.includes(key)) throw new OptionsError(`${prefix}.${key}`, 'unknown setting');
  const int = (key: keyof SmOptions, min: number, max: number) => (r[key] === undefined ? (d[key] as number) : checkInteger(`${prefix}.${key}`, r[key], min, max));
  const resumptionTimeout = int('resumptionTimeout', 1, 86_400);
  const maxResumptionTimeout = r.maxResumptionTimeout === undefined ? Math.max(d.maxResumptionTimeout, resumptionTimeout) : int('maxResumptionTimeout', 1, 86_400);
  if (maxResumptionTimeout < resumptionTimeout) throw new OptionsError(`${prefix}.maxResumptionTimeout`, `must be at least sm.resumptionTimeout (${resumptionTimeout})`);
  return {
    enabled: r.enabled === undefined ? d.enabled : checkBoolean(`${prefix}.enabled`, r.enabled),
    resumptionTimeout,
    maxResumptionTimeout,
    ackRequestInterval: int('ackRequestInterval', 1, 3600),
    ackRequestBurst: int('ackRequestBurst', 1, 10_000),
  };
}
