// @deskchat/muc: XEP-0045 group chat on conference.<domain>, with XEP-0410 self-ping and XEP-0421
// occupant ids. Imports only protocol and core; rooms and occupants live behind core's ports.
export { mucModule, MUC_SERVICE } from './muc-module.js';
export { MucService } from './service.js';
export { DEFAULT_MUC_OPTIONS, parseMucOptions, type MucOptions } from './options.js';
export { MUC, STATUS } from './ns.js';
export type { MucGroupchat } from './events.js';
