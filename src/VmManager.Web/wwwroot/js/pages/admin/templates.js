// @ts-check
import { h } from '../../dom.js';
import { formatCpus, formatDisk, formatHours, formatMemory, templateDescription, templateLabel } from '../../format.js';
import { t } from '../../i18n.js';

export default async function templates(panel, app) {
  const list = await app.templates();
  panel.append(h('table', { class: 'table responsive' },
    h('caption', { class: 'visually-hidden' }, t('admin.templates')),
    h('thead', {}, h('tr', {}, ['admin.template', 'admin.os', 'create.cpus', 'create.memory', 'create.disk', 'create.lifetime']
      .map(key => h('th', { scope: 'col' }, t(key))))),
    h('tbody', {}, list.map(template => h('tr', {},
      h('th', { scope: 'row', 'data-label': t('admin.template') }, h('strong', {}, templateLabel(template)), ` (${template.id})`,
        h('br'), h('span', { class: 'hint' }, templateDescription(template))),
      h('td', { 'data-label': t('admin.os') }, t(`os.${template.os}`)),
      .../** @type {Array<[string, (value: number) => string]>} */ ([['cpus', formatCpus], ['memoryMiB', formatMemory], ['diskGiB', formatDisk]]).map(([name, format]) =>
        h('td', { 'data-label': t(`admin.range.${name}`) }, template[name].min === template[name].max ? format(template[name].min) : t('admin.rangeCell', {
          min: format(template[name].min), max: format(template[name].max), default: format(template[name].default),
        }))),
      h('td', { 'data-label': t('create.lifetime') }, template.lifetimeHours.map(formatHours).join(', ')))))));
}
