// @ts-check
import { api } from '../../api.js';
import { h } from '../../dom.js';
import { problemText } from '../../forms.js';
import { formatDate, formatElapsed } from '../../format.js';
import { t, tOr } from '../../i18n.js';
import { everySecond, onMachineChange } from '../../live.js';

/** The job queue from /api/admin/jobs (newest first), named with the VMs it works on; reloaded after each VM event. */
export default async function jobs(panel) {
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
        h('td', { 'data-label': t('admin.step'), class: 'wrap-anywhere' }, job.error ?? (job.step ? tOr(`step.${job.step}`, job.step) : '—')),
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
      cell.textContent = from ? formatElapsed((to ? Date.parse(to) : Date.now()) - Date.parse(from)) : '—';
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
