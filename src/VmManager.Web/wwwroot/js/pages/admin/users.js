// @ts-check
import { api } from '../../api.js';
import { confirmAction } from '../../dialog.js';
import { h } from '../../dom.js';
import { field, focusFirstInvalid, problemText, showErrors, showFieldErrors, wholeNumberProblem } from '../../forms.js';
import { formatCpus, formatDate, formatDisk, formatMemory, formatNumber, ofName } from '../../format.js';
import { t, tOr } from '../../i18n.js';

/** Quotas per user: no user list endpoint exists, so VM owners are offered and any name can be looked up. */
export default async function users(panel, app) {
  const lookup = h('form', { class: 'inline-form', novalidate: true });
  const nameInput = h('input', { name: 'userName', autocomplete: 'off', list: 'known-users' });
  const nameField = field(t('admin.userName'), nameInput);
  const everyone = await api('/api/vms?scope=all');
  const owners = [...new Set((everyone.data ?? []).map(machine => machine.owner))].sort();
  lookup.append(nameField.element, h('datalist', { id: 'known-users' }, owners.map(owner => h('option', { value: owner }))),
    h('button', { type: 'submit', class: 'button primary' }, t('admin.lookUp')));
  const detail = h('div', { class: 'user-quota' });
  const known = h('p', { class: 'hint' }, owners.length ? t('admin.knownUsers') : '', ' ',
    owners.map(owner => h('button', { type: 'button', class: 'link-button', onclick: () => show(owner) }, owner)));
  panel.append(lookup, known, detail);

  async function show(userName) {
    nameInput.value = userName;
    nameField.setError(null);
    const result = await api(`/api/admin/users/${encodeURIComponent(userName)}/quota`);
    if (!result.ok) {
      const unmatched = showFieldErrors({ userName: nameField }, result.data);
      if (result.status !== 400 || unmatched.length) nameField.setError(problemText(result, t('admin.quotaFailed')));
      nameInput.focus();
      return;
    }
    detail.replaceChildren(quotaEditor(result.data, show));
    detail.querySelector('h3').focus();
  }
  lookup.addEventListener('submit', event => {
    event.preventDefault();
    if (!nameInput.value.trim()) {
      nameField.setError(t('form.required'));
      nameInput.focus();
      return;
    }
    show(nameInput.value.trim());
  });
}

/** @type {Array<[string, string, (value: number) => string]>} */
const quotaFields = [
  ['maxVms', 'quota.maxVms', formatNumber],
  ['maxCpus', 'quota.maxCpus', formatCpus],
  ['maxMemoryMiB', 'quota.maxMemoryMiB', formatMemory],
  ['maxDiskGiB', 'quota.maxDiskGiB', formatDisk],
  ['maxRunningVms', 'quota.maxRunningVms', formatNumber],
];
// As the server's Quota.MaxLimit and QuotaEndpoints.MaxReasonLength.
const maxQuotaLimit = 1_000_000;
const maxReasonLength = 500;
const usageOf = { maxVms: 'vms', maxCpus: 'cpus', maxMemoryMiB: 'memoryMiB', maxDiskGiB: 'diskGiB', maxRunningVms: 'runningVms' };

function quotaEditor(status, reload) {
  const { limits } = status;
  const override = (status.overrides ?? []).find(item => item.source === 'admin');
  const form = h('form', { class: 'card quota-form', novalidate: true });
  const fields = {};
  const inputs = {};
  for (const [name, label, format] of quotaFields) {
    inputs[name] = h('input', { type: 'number', name, min: '0', step: '1', inputmode: 'numeric', value: override?.[name] ?? '' });
    fields[name] = field(t(label), inputs[name], { hint: t('admin.quotaFieldHint', { value: limits?.[name] === undefined ? '—' : format(limits[name]) }) });
  }
  const expiresAt = h('input', { type: 'datetime-local', name: 'expiresAt' });
  const reason = h('textarea', { name: 'reason', rows: '2' }, override?.reason ?? '');
  fields.expiresAt = field(t('admin.expiresAt'), expiresAt, { hint: t('admin.expiresAtHint') });
  fields.reason = field(t('admin.reason'), reason, { hint: t('admin.reasonHint', { max: maxReasonLength }) });
  const general = h('p', { class: 'error form-error', role: 'alert' });
  general.hidden = true;
  const remove = h('button', { type: 'button', class: 'button danger' }, t('admin.removeOverride'));
  remove.hidden = !override;
  form.append(
    h('h3', { tabindex: '-1' }, t('admin.quotaOf', { ofUser: ofName(status.userName), role: t(`role.${status.role}`) })),
    h('table', { class: 'table responsive' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('admin.limit')), h('th', { scope: 'col' }, t('admin.used')), h('th', { scope: 'col' }, t('admin.effective')))),
      h('tbody', {}, quotaFields.map(([name, label, format]) => h('tr', {},
        h('th', { scope: 'row' }, t(label)), h('td', { 'data-label': t('admin.used') }, format(status.usage?.[usageOf[name]] ?? 0)),
        h('td', { 'data-label': t('admin.effective') }, format(limits?.[name] ?? 0)))))),
    (status.overrides ?? []).length
      ? h('ul', { class: 'overrides' }, status.overrides.map(item => h('li', {}, t('admin.overrideLine', {
        source: tOr(`admin.source.${item.source.split(':')[0]}`, item.source), by: item.setBy, at: formatDate(item.setAt), until: item.expiresAt ? formatDate(item.expiresAt) : t('admin.noEnd'),
      }), item.reason ? ` — ${item.reason}` : '')))
      : h('p', { class: 'hint' }, t('admin.noOverride')),
    h('h4', {}, t('admin.setOverride')), h('p', { class: 'hint' }, t('admin.overrideHint')),
    h('div', { class: 'grid-fields' }, Object.values(fields).map(made => made.element)),
    general, h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button primary' }, t('admin.saveOverride')), remove));

  form.addEventListener('submit', async event => {
    event.preventDefault();
    general.hidden = true;
    const body = { reason: reason.value || null, expiresAt: expiresAt.value ? new Date(expiresAt.value).toISOString() : null };
    const errors = {};
    for (const [name] of quotaFields) {
      const raw = inputs[name].value;
      // Empty keeps the role's value.
      errors[name] = raw.trim() === '' ? null : wholeNumberProblem(raw, 0, maxQuotaLimit);
      body[name] = raw.trim() === '' ? null : Number(raw);
    }
    if (quotaFields.every(([name]) => body[name] === null)) errors.maxVms = t('admin.atLeastOne');
    if (reason.value.length > maxReasonLength) errors.reason = t('form.tooLong', { max: maxReasonLength });
    if (!showErrors(fields, errors)) {
      focusFirstInvalid(form);
      return;
    }
    const result = await api(`/api/admin/users/${encodeURIComponent(status.userName)}/quota`, { method: 'PUT', body });
    if (result.ok) {
      await reload(status.userName);
      return;
    }
    const unmatched = result.status === 400 ? showFieldErrors(fields, result.data) : [problemText(result, t('admin.quotaFailed'))];
    general.textContent = unmatched.join(' ');
    general.hidden = unmatched.length === 0;
    focusFirstInvalid(form);
  });
  remove.addEventListener('click', async () => {
    const confirmed = await confirmAction({
      title: t('admin.removeOverrideTitle', { user: status.userName }), message: t('admin.removeOverrideMessage'), confirm: t('admin.removeOverride'),
    });
    if (!confirmed) return;
    const result = await api(`/api/admin/users/${encodeURIComponent(status.userName)}/quota`, { method: 'DELETE' });
    if (result.ok) await reload(status.userName);
    else {
      general.textContent = problemText(result, t('admin.quotaFailed'));
      general.hidden = false;
    }
  });
  return form;
}
