// The desktop-chat gadget (issue #12): served at /chat/ by every node, on its own page, in an
// <iframe>, or through the OpenSocial definition at /chat/gadget.xml. Reads where the chat servers
// are (docs/gadget.md), then starts.
import { cachedDiscovery } from './connection/discovery.js';
import { resolveChatServers } from './connection/servers.js';
import { App } from './app.js';

const root = document.getElementById('app');
if (root) {
  const servers = resolveChatServers({ pageUrl: location.href, fetch: (url, init) => fetch(url, init) });
  new App(root, servers, cachedDiscovery(localStorage)).start();
}
