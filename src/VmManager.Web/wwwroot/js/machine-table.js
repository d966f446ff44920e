// @ts-check
import { api } from './api.js';
import { confirmAction } from './dialog.js';
import { focusQuietly, h, hiddenText, uniqueId } from './dom.js';
import { problemText } from './forms.js';
import { formatDate, formatRemaining, templateLabel } from './format.js';
import { t } from './i18n.js';
import { everySecond, watchMachines } from './live.js';
import { consoleLink, isBusy, operationText, stateBadge } from './vm-card.js';

// Actions a teacher or an admin may take on someone's VM: [job path, confirmation needed, shown when].
const actionSpecs = {
  stop: { method: 'POST', path: 'stop', confirm: true, when: m => m.state === 'running' },
  'force-off': { method: 'POST', path: 'force-off', confirm: true, when: m => m.state === 'running' },
  start: { method: 'POST', path: 'start', confirm: false, when: m => m.state === 'stopped' },
  delete: { method: 'DELETE', path: '', confirm: true, when: m => ['running', 'stopped', 'failed'].includes(m.state) },
};

/**
 * Everyone's VMs (scope=all) as a table that follows the server's events: a filter box, live state,
 * operation step and lease countdown, the given `actions` and a console link.
 */
export function machineTable(app, { caption, keep = () => true, actions, consoleLabel = 'vm.openConsole', filter = _machine => true }) {
  const filterInput = h('input', { type: 'search', name: 'filter', autocomplete: 'off' });
  const filterId = uniqueId('filter');
  filterInput.id = filterId;
  const status = h('p', { class: 'page-status', role: 'status' });
  const body = h('tbody');
  const empty = h('p', { class: 'empty' }, t('machines.none'));
  const table = h('table', { class: 'table responsive machines' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, ['machines.name', 'machines.owner', 'machines.template', 'machines.state', 'machines.lease', 'machines.actions']
      .map(key => h('th', { scope: 'col' }, t(key))))),
    body);
  const element = h('div', { class: 'machine-table' },
    h('div', { class: 'field filter' }, h('label', { for: filterId }, t('machines.filter')), filterInput), status, table, empty);

  const rows = new Map();
  let templates = new Map();
  const matches = machine => {
    const text = filterInput.value.trim().toLowerCase();
    if (!filter(machine)) return false;
    return !text || machine.name.toLowerCase().includes(text) || machine.owner.toLowerCase().includes(text);
  };
  const applyFilter = () => {
    let shown = 0;
    for (const { row, machine } of rows.values()) {
      row.hidden = !matches(machine);
      if (!row.hidden) shown++;
    }
    empty.hidden = shown > 0;
  };
  filterInput.addEventListener('input', applyFilter);

  async function act(machine, name) {
    const spec = actionSpecs[name];
    if (spec.confirm) {
      const confirmed = await confirmAction({
        title: t(`machines.${name}Title`, { name: machine.name, owner: machine.owner }),
        message: t(`machines.${name}Message`, { owner: machine.owner }),
        confirm: t(`machines.${name}`),
      });
      if (!confirmed) return;
    }
    const result = await api(`/api/vms/${encodeURIComponent(machine.id)}${spec.path ? `/${spec.path}` : ''}`, { method: spec.method });
    status.textContent = result.ok
      ? t('machines.queued', { action: t(`machines.${name}`), name: machine.name, owner: machine.owner })
      : problemText(result, t('vm.actionFailed'));
    watcher.refresh(machine.id);
  }

  function renderRow(machine) {
    const busy = isBusy(machine);
    const operation = busy ? operationText(machine) : null;
    const buttons = actions.filter(name => actionSpecs[name].when(machine)).map(name =>
      h('button', {
        type: 'button', class: name === 'start' ? 'button' : 'button danger', 'data-key': name, disabled: busy,
        onclick: () => act(machine, name),
      }, t(`machines.${name}`), hiddenText(` ${machine.name} (${machine.owner})`)));
    return h('tr', { 'data-vm-id': machine.id },
      h('th', { scope: 'row', 'data-label': t('machines.name') }, machine.name),
      h('td', { 'data-label': t('machines.owner') }, machine.owner),
      h('td', { 'data-label': t('machines.template') }, templateLabel(templates.get(machine.templateId)) || machine.templateId),
      h('td', { 'data-label': t('machines.state') }, stateBadge(machine.state),
        operation ? h('span', { class: 'row-step' }, operation.text) : null,
        machine.lastError ? h('span', { class: 'row-error error' }, machine.lastError) : null),
      h('td', { 'data-label': t('machines.lease') },
        h('time', { datetime: machine.expiresAt, title: formatDate(machine.expiresAt), 'data-countdown': '' }, formatRemaining(Date.parse(machine.expiresAt) - Date.now()))),
      h('td', { 'data-label': t('machines.actions') }, buttons.length || machine.consoleAvailable
        ? h('div', { class: 'row-actions' }, buttons, machine.consoleAvailable ? consoleLink(machine, consoleLabel) : null)
        : '—'));
  }

  function upsert(machine) {
    const row = renderRow(machine);
    const old = rows.get(machine.id)?.row;
    rows.set(machine.id, { row, machine });
    if (old) replaceKeepingFocus(old, row);
    else body.append(row);
    applyFilter();
  }

  function remove(id) {
    const old = rows.get(id);
    if (!old) return;
    if (old.row.contains(document.activeElement)) focusQuietly(filterInput);
    old.row.remove();
    rows.delete(id);
    applyFilter();
  }

  let watcher = null;
  let stopTicking = () => {};
  return {
    element,
    async start() {
      templates = new Map((await app.templates()).map(template => [template.id, template]));
      watcher = watchMachines({
        listPath: '/api/vms?scope=all',
        keep,
        onList(machines) {
          const ids = new Set(machines.map(machine => machine.id));
          for (const id of [...rows.keys()]) if (!ids.has(id)) remove(id);
          for (const machine of machines) upsert(machine);
          applyFilter();
        },
        onUpsert: upsert,
        onRemove: remove,
        onError: result => { status.textContent = problemText(result, t('vms.loadFailed')); },
      });
      stopTicking = everySecond(() => {
        for (const time of body.querySelectorAll('time[data-countdown]')) if (time instanceof HTMLTimeElement) time.textContent = formatRemaining(Date.parse(time.dateTime) - Date.now());
      });
    },
    /** Applies the filters again (after the page changed what `filter` keeps). */
    refilter: applyFilter,
    /** The VMs shown now, e.g. to derive the job queue. */
    machines: () => [...rows.values()].map(entry => entry.machine),
    stop() {
      watcher?.stop();
      stopTicking();
    },
  };
}

/** Replaces a row; if focus was inside, it moves to the same control (data-key) in the new row. */
function replaceKeepingFocus(old, replacement) {
  const focused = old.contains(document.activeElement) ? document.activeElement : null;
  old.replaceWith(replacement);
  if (!focused) return;
  const key = focused.getAttribute('data-key');
  const target = (key && replacement.querySelector(`[data-key="${key}"]:not([disabled])`)) || replacement.querySelector('th');
  focusQuietly(target);
}
