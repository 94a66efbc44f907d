// The admin page (issue "Administration"): sign in, then one page per area, chosen by the URL
// hash (#/chat-servers, #/users, …) so that reload and the back button keep the place. Pages are a
// registry.
import { ApiError, api, setCsrfToken, whenUnauthorized } from './api.js';
import { h } from './dom.js';
import { auditPage } from './pages/audit.js';
import { chatServersPage } from './pages/chat-servers.js';
import { clusterPage } from './pages/cluster.js';
import { filePolicyPage } from './pages/file-policy.js';
import { loadLimitsPage } from './pages/load-limits.js';
import { statusPage } from './pages/status.js';
import { usersPage } from './pages/users.js';
import { signInView } from './sign-in.js';

interface Page {
  id: string;
  title: string;
  render(root: HTMLElement, signal: AbortSignal): Promise<void>;
}

const PAGES: Page[] = [
  { id: 'chat-servers', title: 'Chat servers', render: chatServersPage },
  { id: 'users', title: 'Users', render: usersPage },
  { id: 'cluster', title: 'Cluster', render: clusterPage },
  { id: 'load-limits', title: 'Load limits', render: loadLimitsPage },
  { id: 'file-policy', title: 'File policy', render: filePolicyPage },
  { id: 'status', title: 'Live status', render: statusPage },
  { id: 'audit', title: 'Audit log', render: auditPage },
];

const app = document.getElementById('app')!;
let current: AbortController | undefined;

function showSignIn(message?: string): void {
  current?.abort();
  setCsrfToken(undefined);
  document.title = 'DeskChat administration';
  app.replaceChildren(
    signInView(message, (session) => {
      setCsrfToken(session.csrfToken);
      void showApp(session.name);
    }),
  );
  app.querySelector('input')?.focus();
}

async function showApp(name: string): Promise<void> {
  const nav = h('nav', { 'aria-label': 'Administration' });
  const main = h('main', { id: 'content', tabindex: -1 });
  const signOut = h('button', { type: 'button', id: 'sign-out' }, 'Sign out');
  signOut.addEventListener('click', async () => {
    await api('POST', '/api/v1/auth/sign-out').catch(() => undefined);
    showSignIn('Signed out.');
  });
  const header = h('header', {}, h('span', { className: 'brand' }, 'DeskChat administration'), nav, h('span', { className: 'who' }, `Signed in as ${name}`, signOut));
  app.replaceChildren(h('a', { href: '#content', className: 'skip' }, 'Skip to content'), header, main);

  const route = async () => {
    const id = location.hash.replace(/^#\/?/, '') || PAGES[0]!.id;
    const page = PAGES.find((p) => p.id === id) ?? PAGES[0]!;
    nav.replaceChildren(...PAGES.map((p) => h('a', { href: `#/${p.id}`, 'aria-current': p === page ? 'page' : undefined }, p.title)));
    current?.abort();
    current = new AbortController();
    main.replaceChildren();
    document.title = `${page.title} · DeskChat administration`;
    try {
      await page.render(main, current.signal);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      main.append(h('p', { className: 'field-error', role: 'alert' }, `Could not load this page: ${(err as Error).message}`));
    }
  };
  window.onhashchange = () => void route();
  await route();
}

whenUnauthorized(() => showSignIn('Your session has ended. Sign in again.'));

api<{ name?: string; csrfToken?: string }>('GET', '/api/v1/auth/session', undefined, { quiet401: true }).then(
  (session) => {
    setCsrfToken(session.csrfToken);
    void showApp(session.name ?? 'token');
  },
  () => showSignIn(),
);
