import { api, exists } from '../api.js';
import { confirmAction } from '../dialog.js';
import { h, icon } from '../dom.js';
import { field, focusFirstInvalid, problemText, showErrors, showFieldErrors, wholeNumberProblem } from '../forms.js';
import { formatCpus, formatDate, formatDisk, formatElapsed, formatHours, formatMemory, formatNumber, templateDescription, templateLabel } from '../format.js';
import { t, tOr } from '../i18n.js';
import { everySecond, onMachineChange } from '../live.js';
import { machineTable } from '../machine-table.js';
import { classes } from './admin-classes.js';

const sections = { health, vms, users, classes, templates, jobs, audit };

/** #/admin/<section>: health, every VM, users and quotas, templates, the job queue, the audit log. */
export default async function adminPage(root, app, [section = 'health'] = []) {
  const current = sections[section] ? section : 'health';
  root.append(h('h1', {}, t('admin.title')),
    h('nav', { class: 'tabs', 'aria-label': t('admin.sections') }, h('ul', {}, Object.keys(sections).map(name =>
      h('li', {}, h('a', { href: `#/admin/${name}`, 'aria-current': name === current ? 'page' : null }, t(`admin.${name}`)))))));
  const panel = h('section', { class: 'section', 'aria-labelledby': 'admin-section-title' },
    h('h2', { id: 'admin-section-title' }, t(`admin.${current}`)));
  root.append(panel);
  return sections[current](panel, app);
}

async function health(panel) {
  const list = h('ul', { class: 'health-list', role: 'list' });
  const status = h('p', { class: 'page-status', role: 'status' });
  const refresh = h('button', { type: 'button', class: 'button' }, t('admin.refresh'));
  panel.append(h('p', { class: 'hint' }, t('admin.healthHint')), h('div', { class: 'toolbar' }, refresh), status, list);
  const load = async () => {
    refresh.disabled = true;
    // /readyz answers 503 with the same JSON when something is down: both are a report.
    const result = await api('/readyz');
    refresh.disabled = false;
    if (!result.data?.checks) {
      status.textContent = problemText(result, t('admin.healthFailed'));
      return;
    }
    status.textContent = t('admin.overall', { status: t(`health.${result.data.status}`) });
    list.replaceChildren(...Object.entries(result.data.checks).map(([name, check]) => h('li', { class: 'card health-card' },
      h('h3', {}, tOr(`health.check.${name}`, name)),
      h('p', { class: `state health-${check.status.toLowerCase()}` }, icon(check.status.toLowerCase()), h('span', {}, t(`health.${check.status}`))),
      h('p', { class: 'health-description' }, check.description ?? ''),
      h('p', { class: 'hint' }, t('admin.duration', { ms: formatNumber(check.durationMs) })))));
  };
  refresh.addEventListener('click', load);
  await load();
  const hypervisor = await api('/api/admin/hypervisor');
  if (hypervisor.ok) panel.append(hypervisorSummary(hypervisor.data));
}

/** What the reconciler last saw on the host: how many domains, and those VmManager leaves alone. */
function hypervisorSummary({ domains, unknownDomains, lastPass, refreshedAt }) {
  return h('section', { class: 'card hypervisor', 'aria-labelledby': 'hypervisor-title' },
    h('h3', { id: 'hypervisor-title' }, t('admin.hypervisor')),
    h('dl', { class: 'facts' },
      h('dt', {}, t('admin.domains')), h('dd', {}, formatNumber(domains)),
      h('dt', {}, t('admin.unknownDomains')), h('dd', {}, unknownDomains.length ? unknownDomains.join(', ') : t('admin.none')),
      h('dt', {}, t('admin.lastPass')), h('dd', {}, formatDate(lastPass)),
      h('dt', {}, t('admin.refreshedAt')), h('dd', {}, formatDate(refreshedAt))));
}

async function vms(panel, app) {
  const table = machineTable(app, { caption: t('admin.vms'), actions: ['start', 'stop', 'force-off', 'delete'] });
  panel.append(table.element);
  await table.start();
  return () => table.stop();
}

/** Quotas per user: no user list endpoint exists, so VM owners are offered and any name can be looked up. */
async function users(panel, app) {
  const probe = await api('/api/admin/users/admin/quota');
  if (!exists(probe)) {
    panel.append(h('p', { class: 'notice' }, t('admin.quotaUnavailable')));
    return;
  }
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
  const limits = status.limits ?? status.quota;
  const override = (status.overrides ?? []).find(item => item.source === 'admin');
  const form = h('form', { class: 'card quota-form', novalidate: true });
  const fields = {};
  const inputs = {};
  for (const [name, label] of quotaFields) {
    inputs[name] = h('input', { type: 'number', name, min: '0', step: '1', inputmode: 'numeric', value: override?.[name] ?? '' });
    fields[name] = field(t(label), inputs[name], { hint: t('admin.quotaFieldHint', { value: limits?.[name] ?? '—' }) });
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
    h('h3', { tabindex: '-1' }, t('admin.quotaOf', { user: status.userName, role: t(`role.${status.role}`) })),
    h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('admin.limit')), h('th', { scope: 'col' }, t('admin.used')), h('th', { scope: 'col' }, t('admin.effective')))),
      h('tbody', {}, quotaFields.map(([name, label, format]) => h('tr', {},
        h('th', { scope: 'row' }, t(label)), h('td', {}, format(status.usage?.[usageOf[name]] ?? 0)), h('td', {}, format(limits?.[name] ?? 0)))))),
    (status.overrides ?? []).length
      ? h('ul', { class: 'overrides' }, status.overrides.map(item => h('li', {}, t('admin.overrideLine', {
        source: tOr(`admin.source.${item.source}`, item.source), by: item.setBy, at: formatDate(item.setAt), until: item.expiresAt ? formatDate(item.expiresAt) : t('admin.noEnd'),
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

async function templates(panel, app) {
  const list = await app.templates();
  panel.append(h('table', { class: 'table responsive' },
    h('caption', { class: 'visually-hidden' }, t('admin.templates')),
    h('thead', {}, h('tr', {}, ['admin.template', 'admin.os', 'create.cpus', 'create.memory', 'create.disk', 'create.lifetime']
      .map(key => h('th', { scope: 'col' }, t(key))))),
    h('tbody', {}, list.map(template => h('tr', {},
      h('th', { scope: 'row', 'data-label': t('admin.template') }, h('strong', {}, templateLabel(template)), ` (${template.id})`,
        h('br'), h('span', { class: 'hint' }, templateDescription(template))),
      h('td', { 'data-label': t('admin.os') }, t(`os.${template.os}`)),
      ...[['cpus', formatCpus], ['memoryMiB', formatMemory], ['diskGiB', formatDisk]].map(([name, format]) =>
        h('td', { 'data-label': t(`admin.range.${name}`) }, t('admin.rangeCell', {
          min: format(template[name].min), max: format(template[name].max), default: format(template[name].default),
        }))),
      h('td', { 'data-label': t('create.lifetime') }, template.lifetimeHours.map(formatHours).join(', ')))))));
}

/** The job queue from /api/admin/jobs (newest first), named with the VMs it works on; reloaded after each VM event. */
async function jobs(panel) {
  const body = h('tbody');
  const empty = h('p', { class: 'empty' }, t('admin.noJobs'));
  const status = h('p', { class: 'page-status', role: 'status' });
  panel.append(h('p', { class: 'hint' }, t('admin.jobsHint')), status,
    h('table', { class: 'table responsive' },
      h('caption', { class: 'visually-hidden' }, t('admin.jobs')),
      h('thead', {}, h('tr', {}, ['admin.job', 'machines.name', 'admin.operation', 'admin.step', 'admin.requestedBy', 'admin.since', 'admin.jobDuration']
        .map(key => h('th', { scope: 'col' }, t(key))))),
      body),
    empty);
  const machines = new Map();
  const load = async () => {
    const [result, everyone] = await Promise.all([api('/api/admin/jobs'), api('/api/vms?scope=all')]);
    for (const machine of everyone.ok ? everyone.data : []) machines.set(machine.id, machine);
    if (!result.ok) {
      status.textContent = problemText(result, t('admin.jobsFailed'));
      return;
    }
    body.replaceChildren(...result.data.map(job => {
      const machine = machines.get(job.machineId);
      return h('tr', {},
        h('th', { scope: 'row', 'data-label': t('admin.job') }, `#${job.id}`),
        h('td', { 'data-label': t('machines.name') }, machine?.name ?? job.machineId,
          machine ? [' ', h('span', { class: 'row-step' }, machine.owner)] : null),
        h('td', { 'data-label': t('admin.operation') }, t(`job.${job.kind}`), ' ', h('span', { class: 'row-step' }, t(`jobState.${job.state}`))),
        h('td', { 'data-label': t('admin.step'), class: 'wrap-anywhere' }, job.error ?? job.step ?? '—'),
        h('td', { 'data-label': t('admin.requestedBy') }, job.requestedBy),
        h('td', { 'data-label': t('admin.since') }, formatDate(job.startedAt ?? job.createdAt)),
        h('td', { 'data-label': t('admin.jobDuration'), 'data-from': job.startedAt ?? '', 'data-to': job.finishedAt ?? '' }));
    }));
    empty.hidden = result.data.length > 0;
    tick();
  };
  const tick = () => {
    for (const cell of body.querySelectorAll('[data-from]')) {
      const { from, to } = cell.dataset;
      cell.textContent = from ? formatElapsed((to ? new Date(to) : Date.now()) - new Date(from)) : '—';
    }
  };
  // A burst of events (a job's steps) gives one reload.
  let timer = null;
  const stopListening = onMachineChange(() => {
    clearTimeout(timer);
    timer = setTimeout(load, 500);
  });
  const stopTicking = everySecond(tick);
  await load();
  return () => {
    stopListening();
    stopTicking();
    clearTimeout(timer);
  };
}

async function audit(panel) {
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
      .map(action => h('option', { value: action })));
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
    if (!exists(result)) {
      form.hidden = true;
      results.replaceChildren(h('p', { class: 'notice' }, t('admin.auditUnavailable')));
      return;
    }
    if (!result.ok) {
      const unmatched = result.status === 400 ? showFieldErrors(fields, result.data) : [problemText(result, t('admin.auditFailed'))];
      general.textContent = unmatched.join(' ');
      general.hidden = unmatched.length === 0;
      focusFirstInvalid(form);
      return;
    }
    const { items, total, pageSize } = result.data;
    status.textContent = t('admin.audit.count', { total: formatNumber(total) });
    results.replaceChildren(items.length === 0 ? h('p', { class: 'empty' }, t('admin.audit.none')) : h('table', { class: 'table responsive' },
      h('caption', { class: 'visually-hidden' }, t('admin.audit')),
      h('thead', {}, h('tr', {}, ['at', 'actor', 'action', 'target', 'outcome', 'detail', 'address'].map(key => h('th', { scope: 'col' }, t(`admin.audit.${key}`))))),
      h('tbody', {}, items.map(item => h('tr', {},
        h('td', { 'data-label': t('admin.audit.at') }, formatDate(item.at)),
        h('td', { 'data-label': t('admin.audit.actor') }, item.actor),
        h('td', { 'data-label': t('admin.audit.action'), class: 'wrap-anywhere' }, item.action),
        h('td', { 'data-label': t('admin.audit.target'), class: 'wrap-anywhere' }, item.target ?? '—'),
        h('td', { 'data-label': t('admin.audit.outcome') }, tOr(`outcome.${item.outcome}`, item.outcome)),
        h('td', { 'data-label': t('admin.audit.detail'), class: 'wrap-anywhere' }, item.detail ?? ''),
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

