// @ts-check
import { api } from '../api.js';
import { focusQuietly, h, hiddenText } from '../dom.js';
import { field, problemText, showFieldErrors } from '../forms.js';
import { formatDate, formatDay, formatNumber, ofName } from '../format.js';
import { t } from '../i18n.js';
import { machineTable } from '../machine-table.js';
import { describeRequest, maxTextLength } from './requests.js';

/** #/teacher: pending resource requests to decide and the students' VMs. */
export default async function teacherPage(root, app) {
  root.append(h('h1', {}, t('teacher.title')));
  const requestsSection = h('section', { class: 'section', 'aria-labelledby': 'pending-title' },
    h('h2', { id: 'pending-title' }, t('teacher.pending')));
  const classes = await teacherClasses();
  const table = machineTable(app, {
    caption: t('teacher.machines'),
    keep: machine => machine.owner !== app.user.userName,
    actions: ['stop'],
    consoleLabel: 'teacher.viewConsole',
    filter: machine => classes.shows(machine.owner),
  });
  classes.onChange(() => table.refilter());
  root.append(requestsSection, classes.element,
    h('section', { class: 'section', 'aria-labelledby': 'students-title' },
      h('h2', { id: 'students-title' }, t('teacher.machines')), h('p', { class: 'hint' }, t('teacher.machinesHint')), table.element));
  await table.start();
  await pendingRequests(requestsSection, app);
  return () => table.stop();
}

/** The classes I teach, each with its students, and a class filter for the VM table. */
async function teacherClasses() {
  const result = await api('/api/classes');
  const classes = result.ok ? result.data : [];
  const select = h('select', { name: 'class', id: 'class-filter' },
    h('option', { value: '' }, t('classes.all')), classes.map(c => h('option', { value: c.id }, c.displayName)));
  const cards = classes.map(c => h('li', { class: 'card class-card', 'data-class-id': c.id },
    h('h3', {}, c.displayName),
    h('p', {}, c.students.length ? c.students.map(s => s.displayName ?? s.userName).join(', ') : t('classes.noStudents'))));
  const list = h('ul', { class: 'class-cards', role: 'list' }, cards);
  const element = h('section', { class: 'section', 'aria-labelledby': 'classes-title' },
    h('h2', { id: 'classes-title' }, t('classes.mine')),
    classes.length ? h('div', { class: 'field filter' }, h('label', { for: 'class-filter' }, t('classes.filter')), select)
      : h('p', { class: 'empty' }, result.ok ? t('classes.none') : problemText(result, t('classes.loadFailed'))),
    list);
  const members = new Map(classes.map(c => [c.id, new Set(c.students.map(s => s.userName.toLowerCase()))]));
  const applySelection = () => {
    for (const card of cards) card.hidden = Boolean(select.value) && card.dataset.classId !== select.value;
  };
  select.addEventListener('change', applySelection);
  return {
    element,
    shows: owner => !select.value || members.get(select.value)?.has(owner.toLowerCase()),
    onChange: listener => select.addEventListener('change', listener),
  };
}

async function pendingRequests(section, app) {
  const status = h('p', { class: 'page-status', role: 'status' });
  const list = h('ul', { class: 'request-cards', role: 'list' });
  section.append(status, list);
  const result = await api('/api/requests?scope=all&status=pending');
  if (!result.ok) {
    status.textContent = problemText(result, t('requests.loadFailed'));
    return;
  }
  // Nobody decides their own request: another teacher or an admin does.
  const pending = result.data.filter(request => request.requester.toLowerCase() !== app.user.userName.toLowerCase());
  const showEmpty = () => {
    if (list.children.length === 0) list.replaceWith(h('p', { class: 'empty' }, t('teacher.noPending')));
  };
  for (const request of pending) list.append(requestCard(request, status, showEmpty));
  showEmpty();
}

function requestCard(request, status, afterDecision) {
  const requester = request.requester;
  const comment = h('textarea', { name: 'comment', rows: '2' });
  const commentField = field(t('teacher.comment'), comment, { hint: t('teacher.commentHint', { max: formatNumber(maxTextLength) }) });
  const heading = h('h3', {}, t('teacher.requestFrom', { ofUser: ofName(requester) }));
  const card = h('li', { class: 'card request-card', 'data-request-id': request.id },
    heading,
    h('dl', { class: 'facts' },
      h('dt', {}, t('requests.what')), h('dd', {}, describeRequest(request)),
      h('dt', {}, t('requests.until')), h('dd', {}, formatDay(request.until)),
      h('dt', {}, t('requests.reason')), h('dd', {}, request.reason),
      h('dt', {}, t('requests.submitted')), h('dd', {}, formatDate(request.createdAt))),
    commentField.element);
  const decide = async decision => {
    // A refusal must say why; an approval may.
    const problem = comment.value.length > maxTextLength ? t('form.tooLong', { max: formatNumber(maxTextLength) })
      : decision === 'refuse' && !comment.value.trim() ? t('teacher.commentRequired') : null;
    commentField.setError(problem);
    if (problem) {
      comment.focus();
      return;
    }
    for (const button of buttons) button.disabled = true;
    const result = await api(`/api/requests/${encodeURIComponent(request.id)}/${decision}`, { method: 'POST', body: { comment: comment.value } });
    for (const button of buttons) button.disabled = false;
    if (result.ok) {
      status.textContent = t(`teacher.${decision}d`, { ofUser: ofName(requester) });
      const next = card.nextElementSibling ?? card.previousElementSibling;
      card.remove();
      afterDecision();
      focusQuietly(next?.querySelector('h3') ?? status.closest('section').querySelector('h2'));
      return;
    }
    const unmatched = result.status === 400 ? showFieldErrors({ comment: commentField }, result.data) : [problemText(result, t('teacher.decisionFailed'))];
    status.textContent = unmatched.join(' ');
  };
  const buttons = ['approve', 'refuse'].map(decision => h('button', {
    type: 'button', class: decision === 'approve' ? 'button primary' : 'button danger', onclick: () => decide(decision),
  }, t(`teacher.${decision}`), hiddenText(` ${requester}`)));
  card.append(h('div', { class: 'actions' }, buttons));
  return card;
}
