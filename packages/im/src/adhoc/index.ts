export { adhocModule, parseAdhocOptions, parseAdmins, COMMANDS_NS, DEFAULT_ADHOC_OPTIONS, type AdhocCommand, type AdhocOptions, type CommandStage, type Note } from './adhoc-module.js';
export { adminCommands, ADMIN_NS } from './admin-commands.js';
export type { AccountAdministration, OnlineSession } from './account-administration.js';
export { DATA_NS, dataForm, readSubmission, single, type FieldSpec, type SubmittedForm } from './forms.js';
