// @ts-check
import { api } from '../../api.js';
import { h } from '../../dom.js';
import { field, problemText, showFieldErrors } from '../../forms.js';
import { t } from '../../i18n.js';

const names = members => members.length ? members.map(m => m.displayName && m.displayName !== m.userName ? `${m.displayName} (${m.userName})` : m.userName).join(', ') : '—';

/** #/admin/classes: every class with its students and teachers; local classes are created and edited here. */
export default async function classes(panel) {
  const status = h('p', { class: 'page-status', role: 'status' });
  const body = h('tbody');
  const table = h('table', { class: 'table responsive classes' },
    h('caption', { class: 'visually-hidden' }, t('admin.classes')),
    h('thead', {}, h('tr', {}, ['classes.name', 'classes.source', 'classes.students', 'classes.teachers']
      .map(key => h('th', { scope: 'col' }, t(key))))),
    body);
  const load = async () => {
    const result = await api('/api/classes');
    if (!result.ok) {
      status.textContent = problemText(result, t('classes.loadFailed'));
      return;
    }
    body.replaceChildren(...result.data.map(c => h('tr', { 'data-class-id': c.id },
      h('th', { scope: 'row', 'data-label': t('classes.name') }, c.displayName, c.displayName !== c.id ? h('span', { class: 'hint' }, ` (${c.id})`) : null),
      h('td', { 'data-label': t('classes.source') }, t(`classes.source.${c.source}`)),
      h('td', { 'data-label': t('classes.students') }, names(c.students)),
      h('td', { 'data-label': t('classes.teachers') }, names(c.teachers)))));
    status.textContent = result.data.length ? '' : t('classes.none');
  };

  const id = h('input', { name: 'id', required: true, autocomplete: 'off' });
  const displayName = h('input', { name: 'displayName', autocomplete: 'off' });
  const students = h('input', { name: 'students', autocomplete: 'off' });
  const teachers = h('input', { name: 'teachers', autocomplete: 'off' });
  const fields = {
    id: field(t('classes.id'), id), displayName: field(t('classes.name'), displayName),
    students: field(t('classes.students'), students, { hint: t('classes.namesHint') }),
    teachers: field(t('classes.teachers'), teachers, { hint: t('classes.namesHint') }),
  };
  const split = input => input.value.split(',').map(name => name.trim()).filter(Boolean);
  const form = h('form', { class: 'form card', novalidate: true },
    h('h3', {}, t('classes.add')), Object.values(fields).map(f => f.element),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button primary' }, t('classes.create'))));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const created = await api('/api/admin/classes', { method: 'POST', body: { id: id.value.trim(), displayName: displayName.value.trim() } });
    if (!created.ok) {
      const unmatched = created.status === 400 ? showFieldErrors(fields, created.data) : [problemText(created, t('classes.saveFailed'))];
      status.textContent = unmatched.join(' ');
      return;
    }
    const classId = encodeURIComponent(created.data.id);
    for (const [part, input] of [['students', students], ['teachers', teachers]]) {
      if (split(input).length) await api(`/api/admin/classes/${classId}/${part}`, { method: 'POST', body: { add: split(input) } });
    }
    form.reset();
    await load();
    status.textContent = t('classes.created', { name: created.data.displayName });
  });
  panel.append(h('p', { class: 'hint' }, t('classes.hint')), status, table, form);
  await load();
}
