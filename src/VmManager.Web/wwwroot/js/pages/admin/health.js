// @ts-check
import { api } from '../../api.js';
import { h, icon } from '../../dom.js';
import { problemText } from '../../forms.js';
import { formatDate, formatNumber } from '../../format.js';
import { t, tOr } from '../../i18n.js';

export default async function health(panel) {
  const list = h('ul', { class: 'health-list', role: 'list' });
  const status = h('p', { class: 'page-status', role: 'status' });
  const refresh = h('button', { type: 'button', class: 'button' }, t('admin.refresh'));
  panel.append(h('p', { class: 'hint' }, t('admin.healthHint')), h('div', { class: 'toolbar' }, refresh), status, list);
  const load = async () => {
    refresh.disabled = true;
    // /readyz's report, reachable through nginx (which keeps /readyz local); 503 with the same JSON when something is down: both are a report.
    const result = await api('/api/admin/health');
    refresh.disabled = false;
    if (!result.data?.checks) {
      status.textContent = problemText(result, t('admin.healthFailed'));
      return;
    }
    status.textContent = t('admin.overall', { status: t(`health.${result.data.status}`) });
    list.replaceChildren(...Object.entries(result.data.checks).map(([name, check]) => h('li', { class: 'card health-card' },
      h('h3', {}, tOr(`health.check.${name}`, name)),
      h('p', { class: `state health-${check.status.toLowerCase()}` }, icon(check.status.toLowerCase()), h('span', {}, t(`health.${check.status}`))),
      h('p', { class: 'health-description' }, check.code ? tOr(`health.description.${check.code}`, check.description ?? '', check.values) : check.description ?? ''),
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
