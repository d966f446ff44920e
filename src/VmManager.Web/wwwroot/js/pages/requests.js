import { api } from '../api.js';
import { h, icon } from '../dom.js';
import { field, focusFirstInvalid, onValidSubmit, problemText, showErrors, showFieldErrors, wholeNumberProblem } from '../forms.js';
import { formatCpus, formatDate, formatDay, formatDisk, formatHours, formatMemory, formatNumber, templateLabel } from '../format.js';
import { t } from '../i18n.js';

export const maxReasonLength = 500;

// What a request may ask for; amounts are in the API's units (MiB, GiB, hours), up to a sane maximum.
const resources = {
  vms: { format: value => t('unit.vms', { value: formatNumber(value) }), max: 20 },
  cpus: { format: formatCpus, max: 64 },
  memoryMiB: { format: formatMemory, max: 262144 },
  diskGiB: { format: formatDisk, max: 4096 },
  template: { format: () => '' },
  lifetime: { format: formatHours, max: 720 },
};

/** "2 processeurs", "Accès à Windows 11" … for lists of requests. */
export function describeRequest(request, templates) {
  if (request.resource === 'template') {
    const template = templates.find(candidate => candidate.id === request.templateId);
    return t('requests.what.template', { template: template ? templateLabel(template) : request.templateId ?? '' });
  }
  const resource = resources[request.resource];
  return resource
    ? t('requests.whatAmount', { resource: t(`requests.resource.${request.resource}`), amount: resource.format(request.amount) })
    : String(request.resource);
}

function requestStateBadge(state) {
  return h('span', { class: `state state-${state}` }, icon(state), h('span', {}, t(`requests.state.${state}`)));
}

/** #/requests: ask a teacher for more (VMs, CPUs, memory, disk, a template, a longer lifetime) and follow my requests. */
export default async function requestsPage(root, app) {
  root.append(h('h1', {}, t('requests.title')));
  const [mine, templates] = await Promise.all([api('/api/requests'), app.templates()]);
  if (!app.features.requests || mine.status === 404) {
    root.append(h('p', { class: 'notice' }, t('requests.unavailable')));
    return;
  }
  const status = h('p', { class: 'page-status', role: 'status' });
  const list = h('div', { class: 'request-list' });
  root.append(requestForm(templates, async () => {
    status.textContent = t('requests.sent');
    await reload();
  }), h('h2', {}, t('requests.mine')), status, list);

  async function reload(result) {
    const answer = result ?? await api('/api/requests');
    if (!answer.ok) {
      list.replaceChildren(h('p', { class: 'error' }, problemText(answer, t('requests.loadFailed'))));
      return;
    }
    list.replaceChildren(answer.data.length === 0 ? h('p', {}, t('requests.none')) : requestsTable(answer.data, templates));
  }
  await reload(mine);
}

function requestsTable(requests, templates) {
  return h('table', { class: 'table responsive' },
    h('caption', { class: 'visually-hidden' }, t('requests.mine')),
    h('thead', {}, h('tr', {}, ['requests.submitted', 'requests.what', 'requests.until', 'requests.reason', 'requests.stateHeader', 'requests.comment']
      .map(key => h('th', { scope: 'col' }, t(key))))),
    h('tbody', {}, requests.map(request => h('tr', {},
      h('td', { 'data-label': t('requests.submitted') }, formatDate(request.createdAt)),
      h('td', { 'data-label': t('requests.what') }, describeRequest(request, templates)),
      h('td', { 'data-label': t('requests.until') }, formatDay(request.until)),
      h('td', { 'data-label': t('requests.reason') }, request.reason ?? ''),
      h('td', { 'data-label': t('requests.stateHeader') }, requestStateBadge(request.state)),
      h('td', { 'data-label': t('requests.comment') }, request.comment ?? '—')))));
}

function requestForm(templates, onSent) {
  const form = h('form', { class: 'card request-form', novalidate: true });
  const resource = h('select', { name: 'resource' },
    h('option', { value: '' }, t('requests.choose')),
    Object.keys(resources).map(name => h('option', { value: name }, t(`requests.resource.${name}`))));
  const amount = h('input', { type: 'number', name: 'amount', min: '1', step: '1', inputmode: 'numeric' });
  const template = h('select', { name: 'templateId' }, templates.map(item => h('option', { value: item.id }, templateLabel(item))));
  const until = h('input', { type: 'date', name: 'until' });
  const reason = h('textarea', { name: 'reason', rows: '4' });
  const fields = {
    resource: field(t('requests.resourceLabel'), resource),
    amount: field(t('requests.amount'), amount),
    templateId: field(t('requests.template'), template),
    until: field(t('requests.untilLabel'), until, { hint: t('requests.untilHint') }),
    reason: field(t('requests.reasonLabel'), reason, { hint: t('requests.reasonHint', { max: maxReasonLength }) }),
  };
  const general = h('p', { class: 'error form-error', role: 'alert' });
  general.hidden = true;
  const submit = h('button', { type: 'submit', class: 'button primary' }, t('requests.submit'));
  form.append(h('h2', {}, t('requests.new')), ...Object.values(fields).map(made => made.element), general, h('div', { class: 'form-actions' }, submit));

  const showAmountOrTemplate = () => {
    const isTemplate = resource.value === 'template';
    fields.templateId.element.hidden = !isTemplate;
    fields.amount.element.hidden = isTemplate;
    fields.amount.setHint(t(`requests.amountHint.${resource.value || 'none'}`));
    amount.max = resources[resource.value]?.max ?? '';
  };
  resource.addEventListener('change', showAmountOrTemplate);
  showAmountOrTemplate();

  function validate() {
    const errors = {};
    if (!resource.value) errors.resource = t('form.required');
    if (resource.value && resource.value !== 'template') errors.amount = wholeNumberProblem(amount.value, 1, resources[resource.value].max);
    if (!until.value) errors.until = t('form.required');
    else if (endOfDay(until.value) <= new Date()) errors.until = t('form.future');
    if (reason.value.trim() === '') errors.reason = t('form.required');
    else if (reason.value.length > maxReasonLength) errors.reason = t('form.tooLong', { max: maxReasonLength });
    return showErrors(fields, errors);
  }

  onValidSubmit(form, validate, async () => {
    const isTemplate = resource.value === 'template';
    const result = await api('/api/requests', {
      method: 'POST',
      body: {
        resource: resource.value,
        amount: isTemplate ? null : Number(amount.value),
        templateId: isTemplate ? template.value : null,
        until: endOfDay(until.value).toISOString(),
        reason: reason.value,
      },
    });
    if (result.ok) {
      form.reset();
      showAmountOrTemplate();
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

/** A chosen day counts until its end, in the user's time zone. */
function endOfDay(day) {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(year, month - 1, date, 23, 59, 59);
}
