// @ts-check
import { h } from '../dom.js';
import { t } from '../i18n.js';
import audit from './admin/audit.js';
import classes from './admin/classes.js';
import health from './admin/health.js';
import jobs from './admin/jobs.js';
import templates from './admin/templates.js';
import users from './admin/users.js';
import vms from './admin/vms.js';

// One module per section, in the order of the tabs; a new section is one import and one entry here.
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
