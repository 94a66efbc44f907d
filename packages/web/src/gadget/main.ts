// The desktop-chat gadget (issue: the desktop-chat gadget). Placeholder until the gadget lands.
import { WEB_APPS } from '../shared/apps.js';

const root = document.getElementById('app');
if (root) root.textContent = WEB_APPS.chat.title;
