// The admin page (issue: administration). Placeholder until the page lands.
import { WEB_APPS } from '../shared/apps.js';

const root = document.getElementById('app');
if (root) root.textContent = WEB_APPS.admin.title;
