// RFC 3921 §3 session establishment, obsolete since RFC 6121 (Appendix E) but still sent by
// clients such as Strophe.js when the feature is advertised (core advertises it as optional).
import { NS } from '@deskchat/protocol';
import type { Module } from '../module-api.js';

export const legacySessionModule: Module = {
  name: 'legacy-session',
  setup(api) {
    api.iq(NS.SESSION, 'session', { set: () => undefined });
  },
};
