// The sign-in form: username and password (no SSO, as the original), errors in words, and for a
// server the browser cannot reach a link to open it in a new tab, where the agent can accept a
// self-signed certificate ("Sign In to Desktop Chat", step 3).
import { TEXT } from '../text.js';
import { h } from './dom.js';

export interface SignInView {
  readonly el: HTMLElement;
  /** Shows a problem; `certificateUrl` adds the certificate link. */
  showError(message: string, certificateUrl?: string): void;
  setBusy(isBusy: boolean, label?: string): void;
  focus(): void;
}

export function signInView(onSubmit: (username: string, password: string) => void, initialUser = ''): SignInView {
  const username = h('input', { id: 'dc-username', name: 'username', type: 'text', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true });
  username.value = initialUser;
  const password = h('input', { id: 'dc-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, TEXT.signIn);
  const error = h('div', { class: 'error', role: 'alert', 'aria-live': 'assertive' });
  const form = h(
    'form',
    { class: 'sign-in', 'aria-labelledby': 'dc-sign-in-title', novalidate: true },
    h('h1', { id: 'dc-sign-in-title' }, TEXT.signInHeading),
    h('div', { class: 'field' }, h('label', { for: 'dc-username' }, TEXT.username), username),
    h('div', { class: 'field' }, h('label', { for: 'dc-password' }, TEXT.password), password),
    error,
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    if (!username.value.trim() || !password.value) {
      error.textContent = TEXT.missingCredentials;
      (username.value.trim() ? password : username).focus();
      return;
    }
    onSubmit(username.value, password.value);
  });
  return {
    el: form,
    showError(message, certificateUrl) {
      error.replaceChildren(h('p', {}, message));
      if (certificateUrl) {
        error.append(h('p', {}, TEXT.certificateHint, ' ', h('a', { href: certificateUrl, target: '_blank', rel: 'noopener' }, TEXT.certificateLink(certificateUrl))));
      }
      password.value = '';
    },
    setBusy(isBusy, label) {
      submit.disabled = isBusy;
      submit.textContent = isBusy ? (label ?? TEXT.signingIn) : TEXT.signIn;
      username.disabled = isBusy;
      password.disabled = isBusy;
      if (isBusy) error.replaceChildren();
    },
    focus() {
      (username.value ? password : username).focus();
    },
  };
}
