// @deskchat/web: browser code. This entry exports only the DOM-free logic that jest tests run in
// Node; the apps themselves are bundled from src/gadget/main.ts and src/admin/main.ts by build.mjs.
export { WEB_APPS, type WebAppName } from './shared/apps.js';
