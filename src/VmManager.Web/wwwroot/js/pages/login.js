// @ts-check
import { api, resetToken } from '../api.js';
import { translateServerMessage } from '../forms.js';
import { t } from '../i18n.js';

const maxUserNameLength = 256;
const maxPasswordLength = 1024;

// The login form is plain HTML in index.html; its messages carry their i18n key so that switching
// the language re-translates them. What the user typed is never cleared after a failure.
function showMessage(element, key, params) {
  element.hidden = !key;
  if (!key) {
    delete element.dataset.i18n;
    delete element.dataset.i18nParams;
    element.textContent = '';
  } else {
    element.dataset.i18n = key;
    if (params) element.dataset.i18nParams = JSON.stringify(params);
    else delete element.dataset.i18nParams;
    element.textContent = t(key, params);
  }
  const input = document.getElementById(element.id.replace('-error', ''));
  if (input instanceof HTMLInputElement) input.setAttribute('aria-invalid', String(Boolean(key)));
}

// As the server: a user name of blanks is missing; a password is taken as typed, spaces included.
function fieldProblem(value, max, blank = value.trim() === '') {
  if (blank) return ['login.required'];
  if (value.length > max) return ['form.tooLong', { max }];
  return [null];
}

const statusMessages = { 401: 'login.invalid', 503: 'login.directory' };

/** Wires the login form; `onLoggedIn(user)` runs after a successful login. */
export function setupLogin(onLoggedIn) {
  const section = document.getElementById('login');
  const form = /** @type {HTMLFormElement} */ (document.getElementById('login-form'));
  const userName = /** @type {HTMLInputElement} */ (form.elements.namedItem('userName'));
  const password = /** @type {HTMLInputElement} */ (form.elements.namedItem('password'));
  const userNameError = document.getElementById('userName-error');
  const passwordError = document.getElementById('password-error');
  const general = document.getElementById('login-error');
  const submit = /** @type {HTMLButtonElement} */ (form.querySelector('button[type=submit]'));

  form.addEventListener('submit', async event => {
    event.preventDefault();
    const userProblem = fieldProblem(userName.value, maxUserNameLength);
    const passwordProblem = fieldProblem(password.value, maxPasswordLength, password.value === '');
    showMessage(userNameError, ...userProblem);
    showMessage(passwordError, ...passwordProblem);
    showMessage(general, null);
    if (userProblem[0] || passwordProblem[0]) {
      (userProblem[0] ? userName : password).focus();
      return;
    }
    submit.disabled = true;
    const result = await api('/api/session', { method: 'POST', body: { userName: userName.value.trim(), password: password.value }, antiforgery: false });
    submit.disabled = false;
    resetToken();
    if (result.ok) {
      onLoggedIn(result.data);
      return;
    }
    if (result.status === 400 && result.data?.errors) {
      const errors = Object.fromEntries(Object.entries(result.data.errors).map(([name, messages]) => [name.toLowerCase(), messages.map(translateServerMessage).join(' ')]));
      if (errors.username) showMessage(userNameError, 'login.serverError', { message: errors.username });
      if (errors.password) showMessage(passwordError, 'login.serverError', { message: errors.password });
      (errors.username ? userName : password).focus();
      return;
    }
    if (result.status === 429) {
      const seconds = Number(result.data?.retryAfterSeconds ?? result.headers.get('Retry-After'));
      showMessage(general, seconds > 0 ? 'login.throttledFor' : 'login.throttled', seconds > 0 ? { seconds } : undefined);
    } else {
      showMessage(general, result.status === 0 ? 'error.network' : statusMessages[result.status] ?? 'login.failed');
    }
  });

  return {
    show(messageKey) {
      section.hidden = false;
      showMessage(general, messageKey ?? null);
      password.value = '';
      userName.focus();
    },
    hide() {
      section.hidden = true;
      for (const element of [userNameError, passwordError, general]) showMessage(element, null);
    },
  };
}
