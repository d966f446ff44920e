// @ts-check
import { api } from '../api.js';
import { h, icon } from '../dom.js';
import { field, focusFirstInvalid, onValidSubmit, problemText, showErrors, showFieldErrors, wholeNumberProblem } from '../forms.js';
import { formatCpus, formatDate, formatDay, formatDisk, formatHours, formatMemory, formatNumber } from '../format.js';
import { t } from '../i18n.js';

// As the server's RequestValidation (MaxReasonLength, MaxCommentLength, MaxTemplateLength).
export const maxTextLength = 2000;
const maxTemplateLength = 200;
// The server has its own, configurable, maximum per kind and says it when exceeded.
const largestAmount = 1_000_000;

// What can be asked for (the API's kinds), each with how its amount reads; a template has none.
const kinds = {
  vms: value => t('unit.vms', { value: formatNumber(value) }),
  cpus: formatCpus,
  memoryMiB: formatMemory,
  diskGiB: formatDisk,
  lifetimeHours: formatHours,
  template: null,
};

/** "Plus de processeurs : 2 processeurs", "8 h de plus pour tp-web", "Modèle : Windows 11" … */
export function describeRequest(request) {
  if (request.kind === 'template') return t('requests.what.template', { template: request.template ?? '' });
  if (request.kind === 'lifetimeHours') return t('requests.what.lifetime', { hours: formatHours(request.amount), vm: request.vmName ?? request.vmId ?? '' });
  const format = kinds[request.kind];
  return format
    ? t('requests.whatAmount', { resource: t(`requests.kind.${request.kind}`), amount: format(request.amount) })
    : String(request.kind);
}

function requestStatusBadge(status) {
  return h('span', { class: `state state-${status}` }, icon(status), h('span', {}, t(`requests.status.${status}`)));
}

/** #/requests: ask a teacher for more (VMs, CPUs, memory, disk, hours for a VM, a template) and follow my requests. */
export default async function requestsPage(root, app) {
  root.append(h('h1', {}, t('requests.title')));
  const [mine, vms] = await Promise.all([api('/api/requests'), api('/api/vms')]);
  const status = h('p', { class: 'page-status', role: 'status' });
  const list = h('div', { class: 'request-list' });
  root.append(requestForm(vms.ok ? vms.data : [], async () => {
    status.textContent = t('requests.sent');
    await reload();
  }), h('h2', {}, t('requests.mine')), status, list);

  async function reload(result) {
    const answer = result ?? await api('/api/requests');
    if (!answer.ok) {
      list.replaceChildren(h('p', { class: 'error' }, problemText(answer, t('requests.loadFailed'))));
      return;
    }
    list.replaceChildren(answer.data.length === 0 ? h('p', {}, t('requests.none')) : requestsTable(answer.data));
  }
  await reload(mine);
}

function requestsTable(requests) {
  const columns = ['requests.submitted', 'requests.what', 'requests.until', 'requests.reason', 'requests.statusHeader', 'requests.comment'];
  return h('table', { class: 'table responsive' },
    h('caption', { class: 'visually-hidden' }, t('requests.mine')),
    h('thead', {}, h('tr', {}, columns.map(key => h('th', { scope: 'col' }, t(key))))),
    h('tbody', {}, requests.map(request => h('tr', {},
      h('td', { 'data-label': t('requests.submitted') }, formatDate(request.createdAt)),
      h('td', { 'data-label': t('requests.what') }, describeRequest(request)),
      h('td', { 'data-label': t('requests.until') }, formatDay(request.until)),
      h('td', { 'data-label': t('requests.reason') }, request.reason),
      h('td', { 'data-label': t('requests.statusHeader') }, requestStatusBadge(request.status)),
      h('td', { 'data-label': t('requests.comment') },
        request.decidedBy ? t('requests.decidedBy', { by: request.decidedBy, comment: request.comment || '—' }) : '—')))));
}

function requestForm(vms, onSent) {
  const form = h('form', { class: 'card request-form', novalidate: true });
  const kind = h('select', { name: 'kind' },
    h('option', { value: '' }, t('requests.choose')),
    Object.keys(kinds).map(name => h('option', { value: name }, t(`requests.kind.${name}`))));
  const amount = h('input', { type: 'number', name: 'amount', min: '1', step: '1', inputmode: 'numeric' });
  const vm = h('select', { name: 'vmId' }, vms.length
    ? vms.map(machine => h('option', { value: machine.id }, machine.name))
    : h('option', { value: '' }, t('requests.noVm')));
  const template = h('input', { name: 'template', autocomplete: 'off' });
  const until = h('input', { type: 'date', name: 'until' });
  const reason = h('textarea', { name: 'reason', rows: '4' });
  const fields = {
    kind: field(t('requests.kindLabel'), kind),
    vmId: field(t('requests.vm'), vm),
    amount: field(t('requests.amount'), amount),
    template: field(t('requests.template'), template, { hint: t('requests.templateHint', { max: maxTemplateLength }) }),
    until: field(t('requests.untilLabel'), until, { hint: t('requests.untilHint') }),
    reason: field(t('requests.reasonLabel'), reason, { hint: t('requests.reasonHint', { max: formatNumber(maxTextLength) }) }),
  };
  const general = h('p', { class: 'error form-error', role: 'alert' });
  general.hidden = true;
  form.append(h('h2', {}, t('requests.new')), ...Object.values(fields).map(made => made.element), general,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button primary' }, t('requests.submit'))));

  // Only what the chosen kind needs is shown: a VM for more hours, a name for a template, an amount otherwise.
  const showKindFields = () => {
    fields.vmId.element.hidden = kind.value !== 'lifetimeHours';
    fields.template.element.hidden = kind.value !== 'template';
    fields.amount.element.hidden = kind.value === 'template';
    fields.amount.setHint(t(`requests.amountHint.${kind.value || 'none'}`));
  };
  kind.addEventListener('change', showKindFields);
  showKindFields();

  function validate() {
    const errors = {};
    if (!kind.value) errors.kind = t('form.required');
    else if (kind.value === 'template') errors.template = textProblem(template.value, maxTemplateLength);
    else errors.amount = wholeNumberProblem(amount.value, 1, largestAmount);
    if (kind.value === 'lifetimeHours' && !vm.value) errors.vmId = t('requests.noVm');
    if (!until.value) errors.until = t('form.required');
    else if (endOfDay(until.value) <= new Date()) errors.until = t('form.future');
    errors.reason = textProblem(reason.value, maxTextLength);
    return showErrors(fields, errors);
  }

  onValidSubmit(form, validate, async () => {
    const result = await api('/api/requests', {
      method: 'POST',
      body: {
        kind: kind.value,
        amount: kind.value === 'template' ? null : Number(amount.value),
        vmId: kind.value === 'lifetimeHours' ? vm.value : null,
        template: kind.value === 'template' ? template.value.trim() : null,
        until: endOfDay(until.value).toISOString(),
        reason: reason.value.trim(),
      },
    });
    if (result.ok) {
      form.reset();
      showKindFields();
      await onSent();
      return;
    }
    const unmatched = result.status === 400 ? showFieldErrors(fields, result.data) : [problemText(result, t('requests.failed'))];
    general.textContent = unmatched.join(' ');
    general.hidden = unmatched.length === 0;
    focusFirstInvalid(form);
  });
  return form;
}

function textProblem(text, max) {
  if (text.trim() === '') return t('form.required');
  return text.length > max ? t('form.tooLong', { max: formatNumber(max) }) : null;
}

/** A chosen day counts until its end, in the user's time zone. */
function endOfDay(day) {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(year, month - 1, date, 23, 59, 59);
}
