// The sign-in form of the admin page (admin accounts, not chat users).
import { ApiError, api } from './api.js';
import { h } from './dom.js';

export function signInView(message: string | undefined, onSignedIn: (session: { name: string; csrfToken: string }) => void): HTMLElement {
  const name = h('input', { id: 'sign-in-name', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { id: 'sign-in-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const status = h('p', { className: 'status', role: 'alert', id: 'sign-in-status' }, message ?? '');
  const form = h(
    'form',
    { className: 'sign-in', novalidate: true, 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title' }, 'DeskChat administration'),
    h('div', { className: 'field' }, h('label', { for: 'sign-in-name' }, 'Admin name'), name),
    h('div', { className: 'field' }, h('label', { for: 'sign-in-password' }, 'Password'), password),
    h('div', { className: 'actions' }, h('button', { type: 'submit', className: 'primary' }, 'Sign in')),
    status,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.textContent = '';
    try {
      onSignedIn(await api<{ name: string; csrfToken: string }>('POST', '/api/v1/auth/sign-in', { name: name.value, password: password.value }, { quiet401: true }));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      status.textContent = err.reason;
      password.value = '';
      password.focus();
    }
  });
  return h('main', { className: 'centered' }, form);
}
