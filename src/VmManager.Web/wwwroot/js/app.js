import { api, resetToken } from './api.js';
import { applyLanguage, t } from './i18n.js';

const $ = selector => document.querySelector(selector);

function showError(id, message) {
  const element = $(`#${id}`);
  element.textContent = message ?? '';
  element.hidden = !message;
  const input = $(`#${id.replace('-error', '')}`);
  if (input instanceof HTMLInputElement) input.setAttribute('aria-invalid', String(Boolean(message)));
}

function showHome(user) {
  $('#login').hidden = true;
  $('#home').hidden = false;
  $('#display-name').textContent = user.displayName;
}

async function login(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const userName = form.userName.value.trim();
  const password = form.password.value;
  showError('userName-error', userName ? null : t('login.required'));
  showError('password-error', password ? null : t('login.required'));
  showError('login-error', null);
  if (!userName || !password) return;
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    const response = await api('/api/session', { method: 'POST', body: { userName, password }, antiforgery: false });
    resetToken();
    if (response.ok) return showHome(response.data);
    const messages = { 401: 'login.invalid', 429: 'login.throttled', 503: 'login.directory' };
    showError('login-error', t(messages[response.status] ?? 'login.failed'));
  } finally {
    button.disabled = false;
  }
}

async function logout() {
  await api('/api/session', { method: 'DELETE' });
  resetToken();
  location.reload();
}

applyLanguage();
for (const button of document.querySelectorAll('[data-lang]')) button.addEventListener('click', () => applyLanguage(button.dataset.lang));
$('#login-form').addEventListener('submit', login);
$('#logout').addEventListener('click', logout);
const session = await api('/api/session');
if (session.ok) showHome(session.data);
