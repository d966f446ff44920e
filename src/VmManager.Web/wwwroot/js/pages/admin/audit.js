// @ts-check
import { api } from '../../api.js';
import { h } from '../../dom.js';
import { field, focusFirstInvalid, problemText, showFieldErrors } from '../../forms.js';
import { formatDate, formatNumber } from '../../format.js';
import { t, tOr } from '../../i18n.js';

// Details the server records in fixed words (a login's role or failure), shown in the page's language;
// the others (quota changes, a request's reason) are data and stay as recorded.
const fixedDetails = {
  Student: 'role.Student', Teacher: 'role.Teacher', Admin: 'role.Admin',
  'wrong user name or password': 'audit.detail.wrongPassword', 'too many failed attempts': 'audit.detail.throttled',
  'directory unreachable': 'audit.detail.directoryDown',
};
const auditDetail = detail => (detail && fixedDetails[detail] ? t(fixedDetails[detail]) : detail ?? '');

export default async function audit(panel) {
  const form = h('form', { class: 'card filters', novalidate: true });
  const inputs = {
    actor: h('input', { name: 'actor', autocomplete: 'off' }),
    action: h('input', { name: 'action', autocomplete: 'off', list: 'audit-actions' }),
    from: h('input', { type: 'datetime-local', name: 'from' }),
    to: h('input', { type: 'datetime-local', name: 'to' }),
  };
  const fields = Object.fromEntries(Object.entries(inputs).map(([name, input]) => [name, field(t(`admin.audit.${name}`), input)]));
  const actionsList = h('datalist', { id: 'audit-actions' },
    ['session.login', 'session.logout', 'session.revoke-all', 'quota.set', 'quota.remove', 'vm.create', 'vm.start', 'vm.stop', 'vm.delete']
      .map(action => h('option', { value: action, label: tOr(`audit.action.${action}`, action) })));
  const general = h('p', { class: 'error form-error', role: 'alert' });
  general.hidden = true;
  form.append(h('div', { class: 'grid-fields' }, Object.values(fields).map(made => made.element)), actionsList, general,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button primary' }, t('admin.audit.apply'))));
  const status = h('p', { class: 'page-status', role: 'status' });
  const results = h('div', { class: 'audit-results' });
  const pager = h('div', { class: 'pager' });
  panel.append(form, status, results, pager);
  let page = 1;

  async function load() {
    for (const made of Object.values(fields)) made.setError(null);
    general.hidden = true;
    const query = new URLSearchParams({ page: String(page), pageSize: '50' });
    for (const [name, input] of Object.entries(inputs)) {
      if (!input.value.trim()) continue;
      query.set(name, input.type === 'datetime-local' ? new Date(input.value).toISOString() : input.value.trim());
    }
    const result = await api(`/api/admin/audit?${query}`);
    if (!result.ok) {
      const unmatched = result.status === 400 ? showFieldErrors(fields, result.data) : [problemText(result, t('admin.auditFailed'))];
      general.textContent = unmatched.join(' ');
      general.hidden = unmatched.length === 0;
      focusFirstInvalid(form);
      return;
    }
    const { items, total, pageSize } = result.data;
    status.textContent = t(total === 1 ? 'admin.audit.countOne' : 'admin.audit.count', { total: formatNumber(total) });
    results.replaceChildren(items.length === 0 ? h('p', { class: 'empty' }, t('admin.audit.none')) : h('table', { class: 'table responsive' },
      h('caption', { class: 'visually-hidden' }, t('admin.audit')),
      h('thead', {}, h('tr', {}, ['at', 'actor', 'action', 'target', 'outcome', 'detail', 'address'].map(key => h('th', { scope: 'col' }, t(`admin.audit.${key}`))))),
      h('tbody', {}, items.map(item => h('tr', {},
        h('td', { 'data-label': t('admin.audit.at') }, formatDate(item.at)),
        h('td', { 'data-label': t('admin.audit.actor') }, item.actor),
        h('td', { 'data-label': t('admin.audit.action') }, tOr(`audit.action.${item.action}`, item.action)),
        h('td', { 'data-label': t('admin.audit.target'), class: 'wrap-anywhere' }, item.target ?? '—'),
        h('td', { 'data-label': t('admin.audit.outcome') }, tOr(`outcome.${item.outcome}`, item.outcome)),
        h('td', { 'data-label': t('admin.audit.detail'), class: 'wrap-anywhere' }, auditDetail(item.detail)),
        h('td', { 'data-label': t('admin.audit.address') }, item.clientAddress ?? ''))))));
    const pages = Math.max(1, Math.ceil(total / pageSize));
    const previous = h('button', { type: 'button', class: 'button', disabled: page <= 1, onclick: () => { page--; load(); } }, t('admin.audit.previous'));
    const next = h('button', { type: 'button', class: 'button', disabled: page >= pages, onclick: () => { page++; load(); } }, t('admin.audit.next'));
    pager.replaceChildren(previous, h('span', {}, t('admin.audit.page', { page, pages })), next);
  }
  form.addEventListener('submit', event => {
    event.preventDefault();
    page = 1;
    load();
  });
  await load();
}
