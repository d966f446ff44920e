// @ts-check
import { focusQuietly, h } from '../dom.js';
import { problemText } from '../forms.js';
import { formatMemory } from '../format.js';
import { t } from '../i18n.js';
import { everySecond, watchMachines } from '../live.js';
import { createVmCard, isBusy } from '../vm-card.js';

// After a create the console may appear a few seconds later (libvirt's VNC port is read periodically
// and that sends no event): look again a few times, gently, for running VMs still without a console.
const consoleFollowUpSeconds = 5;
const consoleFollowUps = 6;

/** #/vms: my VMs as cards, live through server-sent events. */
export default async function vmsPage(root, app) {
  const flash = app.takeFlash();
  const status = h('p', { class: 'page-status', role: 'status' }, flash?.message ?? '');
  const list = h('ul', { class: 'vm-list', role: 'list' });
  const empty = h('div', { class: 'empty card' },
    h('p', {}, t('vms.empty')), h('a', { class: 'button primary', href: '#/vms/new' }, t('vms.createFirst')));
  empty.hidden = true;
  const quota = h('p', { class: 'quota-summary' });
  quota.hidden = true;
  root.append(
    h('div', { class: 'page-head' }, h('h1', {}, t('vms.title')), h('a', { class: 'button primary', href: '#/vms/new' }, t('vms.new'))),
    quota, status, list, empty);

  const templates = new Map((await app.templates()).map(template => [template.id, template]));
  const cards = new Map();
  const followUps = new Map();
  const timers = new Set();
  const announce = text => { status.textContent = text; };

  const showEmpty = () => { empty.hidden = cards.size > 0; };

  function followUp(machine) {
    if (machine.consoleAvailable) followUps.delete(machine.id);
    const count = followUps.get(machine.id) ?? 0;
    if (machine.state !== 'running' || machine.consoleAvailable || machine.job || count >= consoleFollowUps) return;
    followUps.set(machine.id, count + 1);
    timers.add(setTimeout(() => watcher.refresh(machine.id), consoleFollowUpSeconds * 1000));
  }

  function upsert(machine) {
    const card = cards.get(machine.id);
    if (card) {
      card.update(machine);
    } else {
      const created = createVmCard(machine, { template: templates.get(machine.templateId), refresh: id => watcher.refresh(id), announce });
      cards.set(machine.id, created);
      list.prepend(created.element);
    }
    followUp(machine);
    // "Creation of X started" is old news once X runs (or failed).
    if (flash?.vmName === machine.name && !isBusy(machine) && status.textContent === flash.message) status.textContent = '';
    showEmpty();
    quotaSoon();
  }

  function remove(id) {
    const card = cards.get(id);
    if (!card) return;
    const hadFocus = card.element.contains(document.activeElement);
    // The next card (or the one before) takes the focus, else the page's heading.
    const neighbour = card.element.nextElementSibling ?? card.element.previousElementSibling;
    card.element.remove();
    cards.delete(id);
    announce(t('vms.deleted', { name: card.machine.name }));
    if (hadFocus) focusQuietly(neighbour?.querySelector('h2') ?? root.querySelector('h1'));
    showEmpty();
    quotaSoon();
  }

  const watcher = watchMachines({
    listPath: '/api/vms',
    keep: machine => machine.owner === app.user.userName,
    onList(machines) {
      const ids = new Set(machines.map(machine => machine.id));
      for (const id of [...cards.keys()]) if (!ids.has(id)) remove(id);
      // Newest first: each card is prepended, so go from the oldest.
      for (const machine of machines.toSorted((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt))) upsert(machine);
    },
    onUpsert: upsert,
    onRemove: remove,
    onError: result => announce(problemText(result, t('vms.loadFailed'))),
  });

  // Usage changes with creates, starts, stops and deletes: one quota request after a burst of events.
  let quotaTimer = null;
  function quotaSoon() {
    clearTimeout(quotaTimer);
    quotaTimer = setTimeout(updateQuota, 500);
  }

  async function updateQuota() {
    const summary = await app.quota();
    if (!summary) return;
    const { limits, usage } = summary;
    quota.textContent = t('quota.summary', {
      vms: usage.vms, maxVms: limits.maxVms, cpus: usage.cpus, maxCpus: limits.maxCpus,
      memory: formatMemory(usage.memoryMiB), maxMemory: formatMemory(limits.maxMemoryMiB),
      disk: usage.diskGiB, maxDisk: limits.maxDiskGiB,
    });
    quota.hidden = false;
  }

  const stopTicking = everySecond(() => {
    for (const card of cards.values()) card.tick();
  });
  return () => {
    watcher.stop();
    stopTicking();
    clearTimeout(quotaTimer);
    for (const timer of timers) clearTimeout(timer);
  };
}
