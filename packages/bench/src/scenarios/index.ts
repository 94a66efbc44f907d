// The scenarios by name (the worker process looks its scenario up here).
import type { ScenarioName } from '../options.js';
import type { Scenario } from '../scenario.js';
import { idleHold } from './idle-hold.js';
import { login } from './login.js';
import { messages } from './messages.js';
import { presenceFanout } from './presence-fanout.js';
import { fileTransfer } from './file-transfer.js';

export const SCENARIO_TABLE: Record<ScenarioName, Scenario> = {
  login,
  'idle-hold': idleHold,
  messages,
  'presence-fanout': presenceFanout,
  'file-transfer': fileTransfer,
};
