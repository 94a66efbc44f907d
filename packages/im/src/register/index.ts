export { registerModule, parseRegisterOptions, DEFAULT_REGISTER_OPTIONS, REGISTER_NS, REGISTER_FEATURE_NS, type RegisterOptions, type RegisterModuleOptions, type RegistrationLimiter } from './register-module.js';
export type { InvitationRedeemer } from './invitations.js';
export { SlidingWindow } from './sliding-window.js';
