// @ts-check
import { h, uniqueId } from './dom.js';
import { formatNumber } from './format.js';
import { t } from './i18n.js';

/**
 * A labelled control with its hint and its error, tied together with aria-describedby so a screen
 * reader reads the error when the control gets focus. `control` is an input, select or textarea
 * (its id is set here); returns { element, control, setError, setHint }.
 */
/**
 * @param {string} label
 * @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} control
 * @param {{ hint?: string, extra?: Node | null }} [options]
 */
export function field(label, control, { hint = undefined, extra = undefined } = {}) {
  const id = control.id || uniqueId(control.name || 'field');
  control.id = id;
  const hintElement = h('p', { class: 'hint', id: `${id}-hint` }, hint ?? '');
  hintElement.hidden = !hint;
  const errorElement = h('p', { class: 'error field-error', id: `${id}-error` });
  errorElement.hidden = true;
  control.setAttribute('aria-describedby', `${id}-error ${id}-hint`);
  const labelElement = h('label', { for: id }, label);
  const element = h('div', { class: 'field' }, labelElement, extra ? h('div', { class: 'field-row' }, control, extra) : control, hintElement, errorElement);
  return {
    element,
    control,
    setError(message) {
      errorElement.textContent = message ?? '';
      errorElement.hidden = !message;
      control.setAttribute('aria-invalid', String(Boolean(message)));
    },
    setHint(text) {
      hintElement.textContent = text ?? '';
      hintElement.hidden = !text;
    },
  };
}

/** A <fieldset> of radio buttons or other grouped controls with one error for the group. */
/**
 * @param {string} legend
 * @param {unknown} children
 * @param {{ name?: string, hint?: string }} [options]
 */
export function group(legend, children, { name = undefined, hint = undefined } = {}) {
  const id = uniqueId(name ?? 'group');
  const errorElement = h('p', { class: 'error field-error', id: `${id}-error` });
  errorElement.hidden = true;
  const element = h('fieldset', { class: 'field group', 'aria-describedby': `${id}-error${hint ? ` ${id}-hint` : ''}` },
    h('legend', {}, legend),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    children, errorElement);
  return {
    element,
    setError(message) {
      errorElement.textContent = message ?? '';
      errorElement.hidden = !message;
      element.toggleAttribute('data-invalid', Boolean(message));
    },
  };
}

/** What is wrong with a typed whole number that must lie in [min, max], or null. */
export function wholeNumberProblem(raw, min, max) {
  const value = Number(raw.trim());
  if (raw.trim() === '') return t('form.required');
  if (!Number.isInteger(value)) return t('form.wholeNumber');
  if (value < min || value > max) return t('form.between', { min: formatNumber(min), max: formatNumber(max) });
  return null;
}

/** Shows each field's error (or clears it); true when there is none. */
export function showErrors(fields, errors) {
  for (const [name, made] of Object.entries(fields)) made.setError(errors[name] ?? null);
  return Object.values(errors).every(error => !error);
}

// The API answers in English; the common messages are shown in the page's language.
/** @type {Array<[RegExp, (match: RegExpExecArray) => string]>} */
const serverMessages = [
  [/^required$/i, () => t('form.required')],
  [/^at most (\d+) characters$/i, ([, max]) => t('form.tooLong', { max })],
  [/^(?:must be )?between (\d+) and (\d+)$/i, ([, min, max]) => t('form.between', { min, max })],
  [/^choose one of (.+) hours$/i, ([, list]) => t('form.chooseHours', { list })],
  [/^must be in the future$/i, () => t('form.future')],
  [/^required: tell the student why$/i, () => t('teacher.commentRequired')],
  [/^at most (\d+) days from now$/i, ([, days]) => t('form.withinDays', { days })],
  [/^must be after from$/i, () => t('form.afterFrom')],
  [/^you already have a VM with this name$/i, () => t('create.nameTaken')],
  [/^use lower-case letters, digits and hyphens/i, () => t('create.namePattern')],
];

export function translateServerMessage(message) {
  for (const [pattern, translate] of serverMessages) {
    const match = pattern.exec(message);
    if (match) return translate(match);
  }
  return message;
}

/**
 * Shows a ValidationProblem's errors next to their fields (matched case-insensitively by API name);
 * returns the messages of fields the form does not have, for a general error line.
 */
export function showFieldErrors(fields, problem) {
  const byName = new Map(Object.entries(fields).map(([name, value]) => [name.toLowerCase(), value]));
  const unmatched = [];
  for (const [name, messages] of Object.entries(problem?.errors ?? {})) {
    const text = messages.map(translateServerMessage).join(' ');
    const target = byName.get(name.toLowerCase());
    if (target) target.setError(text);
    else unmatched.push(`${name}: ${text}`);
  }
  return unmatched;
}

// Problems the UI knows, said in the page's language; others show the server's own words.
const knownProblems = { 'operation-in-progress': 'error.busy', 'quota-exceeded': 'error.quota', 'request-rate-limited': 'error.requestRateLimited' };
const knownStatuses = { 0: 'error.network', 403: 'error.forbidden', 404: 'error.notFound' };

/** A problem's human text for a general error line: known ones translated, else its detail or title, else the fallback. */
export function problemText(result, fallback) {
  const key = knownProblems[result.data?.type] ?? knownStatuses[result.status];
  if (key) return t(key, { limit: result.data?.limit ?? '?' });
  return result.data?.detail || result.data?.title || fallback;
}

/**
 * On submit: hides the form's general error, checks with `validate()` (focusing the first invalid
 * control when it fails), then runs `send()` with the submit button disabled.
 */
export function onValidSubmit(form, validate, send) {
  form.addEventListener('submit', async event => {
    event.preventDefault();
    form.querySelector('.form-error')?.setAttribute('hidden', '');
    if (!validate()) {
      focusFirstInvalid(form);
      return;
    }
    const submit = form.querySelector('[type=submit]');
    submit.disabled = true;
    try {
      await send();
    } finally {
      submit.disabled = false;
    }
  });
}

/** Focuses the first control of the form whose aria-invalid is true (after a failed submit). */
export function focusFirstInvalid(form) {
  const invalid = form.querySelector('[aria-invalid="true"], fieldset[data-invalid] input');
  invalid?.focus();
  return Boolean(invalid);
}
