// @ts-check
import { api, onSessionLost, resetToken } from './api.js';
import { focusQuietly, h } from './dom.js';
import { applyLanguage, t } from './i18n.js';
import { connectEvents, disconnectEvents } from './live.js';
import adminPage from './pages/admin.js';
import createPage from './pages/create.js';
import { setupLogin } from './pages/login.js';
import requestsPage from './pages/requests.js';
import teacherPage from './pages/teacher.js';
import vmsPage from './pages/vms.js';

const roleRank = { Student: 0, Teacher: 1, Admin: 2 };

// Hash routes: #/vms, #/vms/new, #/requests, #/teacher, #/admin[/section]; `role` is the least role that sees it.
const routes = [
  { path: 'vms', title: 'nav.vms', page: vmsPage },
  { path: 'vms/new', title: 'nav.create', page: createPage },
  { path: 'requests', title: 'nav.requests', page: requestsPage },
  { path: 'teacher', title: 'nav.teacher', page: teacherPage, role: 'Teacher' },
  { path: 'admin', title: 'nav.admin', page: adminPage, role: 'Admin', sections: true },
];

const view = document.getElementById('view');
const nav = document.getElementById('nav');
let cleanup = null;
let renderCount = 0;
/** @type {{ message: string, vmName: string | null } | null} */
let flashMessage = null;
let templatesPromise = null;
let quotaPromise = null;

/** What pages share: the user, cached templates and quota. */
const app = {
  user: null,
  templates() {
    templatesPromise ??= api('/api/templates').then(result => (result.ok ? result.data : []));
    return templatesPromise;
  },
  /** The signed-in user's { limits, usage, remaining }, or null when it could not be read. */
  quota() {
    quotaPromise ??= api('/api/quota').then(result => {
      quotaPromise = null;
      return result.ok ? result.data : null;
    });
    return quotaPromise;
  },
  invalidateQuota() {
    quotaPromise = null;
  },
  /** A message for the next page's status line (e.g. "creation started" after the create form), about the VM `vmName`. */
  flash(message, vmName = null) {
    flashMessage = { message, vmName };
  },
  takeFlash() {
    const message = flashMessage;
    flashMessage = null;
    return message;
  },
};

const allowed = route => !route.role || roleRank[app.user.role] >= roleRank[route.role];

function resolve(hash) {
  const path = hash.replace(/^#\/?/, '').replace(/\/$/, '');
  const exact = routes.find(route => route.path === path);
  if (exact) return { route: exact, rest: [] };
  const parent = routes.find(route => route.sections && path.startsWith(`${route.path}/`));
  return parent ? { route: parent, rest: path.slice(parent.path.length + 1).split('/') } : null;
}

function renderNav(current) {
  nav.replaceChildren(h('ul', {}, routes.filter(allowed).map(route => h('li', {},
    h('a', { href: `#/${route.path}`, 'aria-current': route === current ? 'page' : null }, t(route.title))))));
}

async function render() {
  if (!app.user) return;
  const resolved = resolve(location.hash);
  if (!resolved) {
    location.replace('#/vms');
    return;
  }
  const { route, rest } = resolved;
  cleanup?.();
  cleanup = null;
  const count = ++renderCount;
  const root = h('div', { class: `page page-${route.path.replace('/', '-')}` });
  view.replaceChildren(root);
  renderNav(route);
  document.title = `${t(route.title)} — VmManager`;
  if (!allowed(route)) {
    root.append(h('h1', {}, t(route.title)), h('p', { class: 'notice' }, t('app.forbidden')));
    focusQuietly(root.querySelector('h1'));
    return;
  }
  const rendering = route.page(root, app, rest);
  // Each page puts its <h1> in place before its first await: focus moves there at once.
  focusQuietly(root.querySelector('h1'));
  try {
    const done = await rendering;
    if (count === renderCount) cleanup = typeof done === 'function' ? done : null;
    else if (typeof done === 'function') done();
  } catch (error) {
    root.append(h('p', { class: 'error', role: 'alert' }, t('app.error')));
    throw error;
  }
}

const login = setupLogin(startSession);

function showUser() {
  document.getElementById('user-name').textContent = `${app.user.displayName || app.user.userName} · ${t(`role.${app.user.role}`)}`;
}

async function startSession(user) {
  app.user = user;
  templatesPromise = null;
  app.invalidateQuota();
  connectEvents();
  login.hide();
  showUser();
  document.getElementById('session').hidden = false;
  nav.hidden = false;
  view.hidden = false;
  if (!resolve(location.hash)) history.replaceState(null, '', '#/vms');
  await render();
}

function endSession(messageKey) {
  cleanup?.();
  cleanup = null;
  app.user = null;
  disconnectEvents();
  view.replaceChildren();
  view.hidden = true;
  nav.hidden = true;
  document.getElementById('session').hidden = true;
  document.title = `${t('login.title')} — VmManager`;
  login.show(messageKey);
}

onSessionLost(() => {
  if (app.user) endSession('login.expired');
});

document.getElementById('logout').addEventListener('click', async () => {
  await api('/api/session', { method: 'DELETE' });
  resetToken();
  endSession();
});

document.getElementById('skip-link').addEventListener('click', event => {
  event.preventDefault();
  focusQuietly(view.hidden ? document.getElementById('login-title') : view.querySelector('h1') ?? document.getElementById('main'));
});

for (const button of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-lang]'))) {
  button.addEventListener('click', () => {
    applyLanguage(button.dataset.lang);
    if (app.user) {
      showUser();
      render();
    } else {
      document.title = `${t('login.title')} — VmManager`;
    }
  });
}
window.addEventListener('hashchange', render);

applyLanguage();
const session = await api('/api/session');
if (session.ok) await startSession(session.data);
else endSession();
