// @ts-check
import { api } from './api.js';
import { confirmAction } from './dialog.js';
import { focusQuietly, h, hiddenText, icon, uniqueId } from './dom.js';
import { problemText } from './forms.js';
import { formatCpus, formatDate, formatDisk, formatElapsed, formatHours, formatMemory, formatRemaining, templateLabel } from './format.js';
import { t, tOr } from './i18n.js';

/** The state as an icon and a word (colour only repeats it). */
export function stateBadge(state) {
  return h('span', { class: `state state-${state}` }, icon(state), h('span', {}, t(`state.${state}`)));
}

const consoleUrl = id => `/console.html?vm=${encodeURIComponent(id)}`;

/** A link to the console page in a new tab; teachers get a view-only console from the server. */
export function consoleLink(machine, labelKey = 'vm.openConsole') {
  return h('a', { class: 'button', href: consoleUrl(machine.id), target: '_blank', rel: 'noopener' },
    t(labelKey), hiddenText(` ${machine.name} ${t('common.newTab')}`), icon('external'));
}

// The steps of a create the server reports (job.step codes), in order: "step 3 of 5".
const creationSteps = ['preparing', 'starting', 'network', 'password', 'ready'];

/**
 * The current operation in words: "Création — étape 3 sur 5 : attente de son réseau". `number` and
 * `count` are set for a create's steps (for a progress bar); a step code this page does not know is shown as sent.
 */
export function operationText(machine) {
  const job = machine.job;
  const kind = job?.kind ?? (machine.state === 'deleting' ? 'delete' : 'create');
  const what = t(`job.${kind}`);
  if (job?.state === 'queued') return { text: t('vm.operationStep', { what, step: t('job.queued') }) };
  const code = job?.step ?? 'preparing';
  const step = tOr(`step.${code}`, code);
  const number = kind === 'create' ? creationSteps.indexOf(code) + 1 : 0;
  return number > 0
    ? { text: t('vm.creationStep', { what, step, number, count: creationSteps.length }), number, count: creationSteps.length }
    : { text: t('vm.operationStep', { what, step }) };
}

export const isBusy = machine => Boolean(machine.job) || machine.state === 'creating' || machine.state === 'deleting';

/**
 * One of my VMs. The elements stay in place and update() only changes what they show, so focus,
 * an open log and a revealed password survive the live updates. `refresh(id)` re-fetches the VM.
 */
export function createVmCard(machine, { template, refresh, announce }) {
  const headingId = uniqueId('vm');
  const heading = h('h2', { id: headingId, tabindex: '-1' });
  const badge = h('span', { class: 'state-slot' });
  const meta = h('p', { class: 'meta' });
  const leaseLabel = h('span', { class: 'lease-label' });
  const leaseTime = h('time');
  const lease = h('p', { class: 'lease' }, leaseLabel, ' ', leaseTime);
  const stepText = h('p', { class: 'step', role: 'status', id: `${headingId}-step` });
  const elapsed = h('span', { class: 'elapsed' });
  const progressBar = h('progress', { 'aria-labelledby': stepText.id });
  const progress = h('div', { class: 'progress' }, stepText, h('div', { class: 'progress-row' }, progressBar, elapsed));
  const lastError = h('p', { class: 'error vm-error' });
  const status = h('p', { class: 'card-status', role: 'status' });
  let current = machine;
  let acting = false;

  const act = async (action, labelKey) => {
    acting = true;
    render();
    const path = `/api/vms/${encodeURIComponent(current.id)}${action === 'delete' ? '' : `/${action}`}`;
    const result = await api(path, { method: action === 'delete' ? 'DELETE' : 'POST' });
    acting = false;
    status.textContent = result.ok ? t(labelKey, { name: current.name }) : problemText(result, t('vm.actionFailed'));
    status.classList.toggle('error', !result.ok);
    render();
    refresh(current.id);
  };

  const buttons = {
    start: h('button', { type: 'button', class: 'button primary', onclick: () => act('start', 'vm.startQueued') }, t('vm.start')),
    stop: h('button', { type: 'button', class: 'button', onclick: () => act('stop', 'vm.stopQueued') }, t('vm.stop')),
    reboot: h('button', { type: 'button', class: 'button', onclick: () => act('reboot', 'vm.rebootQueued') }, t('vm.reboot')),
    delete: h('button', {
      type: 'button', class: 'button danger',
      onclick: async () => {
        const confirmed = await confirmAction({
          title: t('vm.deleteTitle', { name: current.name }), message: t('vm.deleteMessage'), confirm: t('vm.deleteConfirm'),
        });
        if (confirmed) await act('delete', 'vm.deleteQueued');
      },
    }, t('vm.delete')),
  };
  for (const button of Object.values(buttons)) button.append(hiddenText(` ${machine.name}`));
  const consoleSlot = h('span', { class: 'console-slot' });
  const actions = h('div', { class: 'actions' }, buttons.start, buttons.stop, buttons.reboot, consoleSlot, buttons.delete);

  const extendSelect = h('select', { name: 'lifetimeHours' },
    (template?.lifetimeHours ?? []).map(hours => h('option', { value: hours }, formatHours(hours))));
  const extendButton = h('button', { type: 'button', class: 'button' }, t('vm.extend'), hiddenText(` ${machine.name}`));
  extendButton.addEventListener('click', async () => {
    extendButton.disabled = true;
    const result = await api(`/api/vms/${encodeURIComponent(current.id)}/extend`, {
      method: 'POST', body: { lifetimeHours: Number(extendSelect.value) },
    });
    extendButton.disabled = false;
    if (result.ok) update(result.data);
    status.textContent = result.ok ? t('vm.extended', { date: formatDate(result.data.expiresAt) }) : problemText(result, t('vm.actionFailed'));
    status.classList.toggle('error', !result.ok);
  });
  const extendId = uniqueId('extend');
  extendSelect.id = extendId;
  const extend = h('div', { class: 'extend' },
    h('label', { for: extendId }, t('vm.extendLabel')), extendSelect, extendButton);

  const credentials = createCredentials(() => current, announce);
  const log = createLog(() => current);

  const element = h('li', { class: 'vm-card card', 'data-vm-id': machine.id },
    h('article', { 'aria-labelledby': headingId },
      h('div', { class: 'vm-head' }, heading, badge),
      meta, lease, progress, lastError, actions, extend, credentials.element, log.element, status));

  function render() {
    // Disabling or hiding the focused button would drop focus to <body>: it moves to the card's heading.
    const focused = element.contains(document.activeElement) ? document.activeElement : null;
    const m = current;
    const busy = isBusy(m);
    heading.textContent = m.name;
    badge.replaceChildren(stateBadge(m.state));
    meta.textContent = [templateLabel(template) || m.templateId, formatCpus(m.cpus), formatMemory(m.memoryMiB), formatDisk(m.diskGiB)].join(' · ');
    leaseTime.setAttribute('datetime', m.expiresAt);
    leaseTime.title = formatDate(m.expiresAt);
    progress.hidden = !busy;
    if (busy) {
      const { text, number, count } = operationText(m);
      // The live region changes only when the step does, so a screen reader announces steps, not updates.
      if (stepText.textContent !== text) stepText.textContent = text;
      if (number) {
        progressBar.max = count;
        progressBar.value = number;
      } else {
        progressBar.removeAttribute('value');
      }
    }
    lastError.hidden = !m.lastError;
    lastError.textContent = m.lastError ? t('vm.lastError', { error: m.lastError }) : '';
    const settled = !busy && !acting;
    buttons.start.hidden = !(m.state === 'stopped');
    buttons.stop.hidden = buttons.reboot.hidden = !(m.state === 'running');
    buttons.delete.hidden = !['running', 'stopped', 'failed'].includes(m.state);
    for (const button of Object.values(buttons)) button.disabled = !settled;
    consoleSlot.replaceChildren(m.consoleAvailable ? consoleLink(m) : '');
    extend.hidden = !['running', 'stopped'].includes(m.state) || !template?.lifetimeHours?.length;
    extendButton.disabled = !settled;
    credentials.element.hidden = !['running', 'stopped'].includes(m.state);
    tick();
    if (focused && (focused.closest('[hidden]') || (focused instanceof HTMLButtonElement && focused.disabled))) focusQuietly(heading);
  }

  function tick() {
    const remaining = Date.parse(current.expiresAt) - Date.now();
    leaseLabel.textContent = remaining > 0 ? t('vm.expiresIn') : t('vm.expiredLabel');
    leaseTime.textContent = formatRemaining(remaining);
    if (isBusy(current)) {
      const since = current.job?.startedAt ?? current.job?.createdAt ?? current.createdAt;
      elapsed.textContent = t('vm.elapsed', { time: formatElapsed(Date.now() - Date.parse(since)) });
    }
  }

  function update(next) {
    current = next;
    render();
  }

  render();
  return { element, update, tick, heading, get machine() { return current; } };
}

/** The VM's generated login behind a "show" button, with copy to the clipboard (owner only). */
function createCredentials(machine, announce) {
  const panelId = uniqueId('credentials');
  const toggle = h('button', { type: 'button', class: 'button', 'aria-expanded': 'false', 'aria-controls': panelId });
  const panel = h('div', { class: 'credentials-panel', id: panelId });
  panel.hidden = true;
  const element = h('div', { class: 'credentials' }, toggle, panel);
  const label = () => {
    toggle.replaceChildren(t(panel.hidden ? 'vm.showPassword' : 'vm.hidePassword'), hiddenText(` ${machine().name}`));
  };
  label();
  toggle.addEventListener('click', async () => {
    if (!panel.hidden) {
      panel.hidden = true;
      panel.replaceChildren();
      toggle.setAttribute('aria-expanded', 'false');
      label();
      return;
    }
    const result = await api(`/api/vms/${encodeURIComponent(machine().id)}/credentials`);
    if (!result.ok) {
      panel.replaceChildren(h('p', { class: 'error' }, problemText(result, t('vm.credentialsFailed'))));
    } else {
      const passwordId = uniqueId('password');
      const password = h('input', { id: passwordId, class: 'password', readonly: true, value: result.data.password, spellcheck: 'false', autocomplete: 'off' });
      const copy = h('button', { type: 'button', class: 'button' }, t('vm.copyPassword'));
      copy.addEventListener('click', async () => {
        announce(await copyText(password) ? t('vm.copied') : t('vm.copyFailed'));
      });
      panel.replaceChildren(h('dl', { class: 'credentials-list' },
        h('dt', {}, t('vm.loginUser')), h('dd', {}, h('code', { class: 'login-user' }, result.data.userName)),
        h('dt', {}, h('label', { for: passwordId }, t('vm.password'))), h('dd', { class: 'field-row' }, password, copy)));
    }
    panel.hidden = false;
    toggle.setAttribute('aria-expanded', 'true');
    label();
  });
  return { element };
}

/** The clipboard API needs a secure context (https or localhost); a school's plain http falls back. */
async function copyText(input) {
  try {
    await navigator.clipboard.writeText(input.value);
    return true;
  } catch {
    input.select();
    return document.execCommand('copy');
  }
}

/** The output of the VM's operations, fetched when the reader opens it. */
function createLog(machine) {
  const output = h('pre', { class: 'log-output', tabindex: '0' });
  const reload = h('button', { type: 'button', class: 'button' }, t('vm.reloadLog'));
  const details = h('details', { class: 'log' }, h('summary', {}, t('vm.log')), output, reload);
  const load = async () => {
    output.textContent = t('common.loading');
    const result = await api(`/api/vms/${encodeURIComponent(machine().id)}/log`);
    output.textContent = result.ok ? (result.data || t('vm.logEmpty')) : problemText(result, t('vm.logFailed'));
    output.scrollTop = output.scrollHeight;
  };
  details.addEventListener('toggle', () => details.open && load());
  reload.addEventListener('click', load);
  output.setAttribute('aria-label', t('vm.log'));
  return { element: details };
}
