// @ts-check
import { api } from '../api.js';
import { h, uniqueId } from '../dom.js';
import { field, focusFirstInvalid, group, onValidSubmit, problemText, showErrors, showFieldErrors, wholeNumberProblem } from '../forms.js';
import { formatCpus, formatDisk, formatHours, formatMemory, formatNumber, templateDescription, templateLabel } from '../format.js';
import { t, tOr } from '../i18n.js';

const maxNameLength = 32;
const namePattern = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

// The sizes a user picks, with the template's range and the quota field that limits each.
const sizes = [
  { name: 'cpus', label: 'create.cpus', quota: 'maxCpus', format: formatCpus },
  { name: 'memoryMiB', label: 'create.memory', quota: 'maxMemoryMiB', format: formatMemory },
  { name: 'diskGiB', label: 'create.disk', quota: 'maxDiskGiB', format: formatDisk },
];

/** #/vms/new: template, name, sizes within the template's range and my quota, lifetime. */
export default async function createPage(root, app) {
  root.append(h('h1', {}, t('create.title')));
  const [templates, quota] = await Promise.all([app.templates(), app.quota()]);
  const remaining = quota?.remaining ?? null;

  const quotaBox = remaining ? h('p', { class: 'quota-summary' }, t('quota.remaining', {
    vms: remaining.maxVms, cpus: remaining.maxCpus, memory: formatMemory(remaining.maxMemoryMiB), disk: remaining.maxDiskGiB,
  })) : null;
  const quotaFull = remaining && remaining.maxVms <= 0
    ? h('p', { class: 'notice warning' }, t('create.noVmLeft'), ' ', h('a', { href: '#/requests' }, t('create.askMore')))
    : null;

  if (templates.length === 0) {
    root.append(h('p', { class: 'notice' }, t('create.noTemplates')));
    return;
  }

  const form = h('form', { class: 'card create-form', novalidate: true });
  const fields = {};

  // Templates: one radio each, named by its label and described by its OS, description and ranges.
  const templateChoices = templates.map(template => {
    const id = uniqueId('template');
    const input = h('input', { type: 'radio', name: 'templateId', id, value: template.id, 'aria-describedby': `${id}-description` });
    input.addEventListener('change', () => selectTemplate(template, true));
    return h('div', { class: 'template-option' }, input,
      h('label', { for: id }, h('span', { class: 'template-name' }, templateLabel(template)), ' ', h('span', { class: 'os-badge' }, t(`os.${template.os}`))),
      h('p', { id: `${id}-description`, class: 'template-description' }, templateDescription(template), ' ',
        h('span', { class: 'template-ranges' }, t('create.templateRanges', {
          cpus: range(template.cpus, formatCpus), memory: range(template.memoryMiB, formatMemory), disk: range(template.diskGiB, formatDisk),
        }))));
  });
  fields.templateId = group(t('create.template'), h('div', { class: 'template-list' }, templateChoices), { name: 'template' });

  const nameInput = h('input', { name: 'name', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none' });
  fields.name = field(t('create.name'), nameInput, { hint: t('create.nameHint', { max: maxNameLength }) });

  const sizeFields = sizes.map(size => {
    const number = h('input', { type: 'number', name: size.name, inputmode: 'numeric', step: '1' });
    const slider = h('input', { type: 'range', step: '1' });
    const made = field(t(size.label), number, { extra: slider });
    // Same value, two ways to set it; each needs its own name for screen readers.
    slider.setAttribute('aria-label', t('create.slider', { label: t(size.label) }));
    slider.addEventListener('input', () => { number.value = slider.value; made.setError(null); });
    number.addEventListener('input', () => { if (number.value !== '') slider.value = number.value; });
    fields[size.name] = made;
    return { ...size, number, slider, made };
  });

  const lifetime = h('select', { name: 'lifetimeHours' });
  fields.lifetimeHours = field(t('create.lifetime'), lifetime, { hint: t('create.lifetimeHint') });

  const general = h('p', { class: 'error form-error', role: 'alert', tabindex: '-1' });
  general.hidden = true;
  const submit = h('button', { type: 'submit', class: 'button primary' }, t('create.submit'));
  form.append(fields.templateId.element, fields.name.element,
    h('fieldset', { class: 'field group sizes' }, h('legend', {}, t('create.size')), sizeFields.map(size => size.made.element)),
    fields.lifetimeHours.element, general,
    h('div', { class: 'form-actions' }, submit, h('a', { class: 'button', href: '#/vms' }, t('common.cancel'))));
  root.append(...[quotaBox, quotaFull, form].filter(Boolean));

  let selected = null;

  /** The most the user may pick: the template's maximum, lowered by what is left of the quota. */
  const effectiveMax = size => Math.min(selected[size.name].max, remaining?.[size.quota] ?? Infinity);

  function selectTemplate(template, resetSizes) {
    selected = template;
    fields.templateId.setError(null);
    for (const size of sizeFields) {
      const { min, max } = template[size.name];
      const top = Math.max(min, effectiveMax(size));
      for (const input of [size.number, size.slider]) {
        input.min = min;
        input.max = top;
      }
      // A size the template fixes (e.g. one disk size) is shown, not offered.
      const fixed = min === max;
      size.slider.hidden = fixed || min === top;
      size.number.readOnly = fixed;
      size.number.tabIndex = fixed ? -1 : 0;
      if (resetSizes) {
        size.number.value = size.slider.value = Math.min(Math.max(template[size.name].default, min), top);
        size.made.setError(null);
      }
      const left = remaining?.[size.quota];
      size.made.setHint([
        fixed ? t('create.fixedHint', { value: size.format(min) }) : rangeText(size.format, min, max),
        left !== undefined && left !== null ? t('create.quotaLeftHint', { left: size.format(left) }) : null,
      ].filter(Boolean).join(' · '));
    }
    const chosen = lifetime.value;
    lifetime.replaceChildren(...template.lifetimeHours.map(hours => h('option', { value: hours }, formatHours(hours))));
    if (!resetSizes && template.lifetimeHours.includes(Number(chosen))) lifetime.value = chosen;
  }

  function validate() {
    const errors = {};
    const name = nameInput.value;
    if (!selected) errors.templateId = t('create.templateRequired');
    if (name.trim() === '') errors.name = t('form.required');
    else if (name.length > maxNameLength) errors.name = t('form.tooLong', { max: maxNameLength });
    else if (!namePattern.test(name)) errors.name = t('create.namePattern');
    if (selected) {
      for (const size of sizeFields) {
        const { min, max } = selected[size.name];
        const left = remaining?.[size.quota];
        errors[size.name] = wholeNumberProblem(size.number.value, min, max)
          ?? (left !== undefined && left !== null && Number(size.number.value) > left ? t('create.overQuota', { left: size.format(left) }) : null);
      }
    }
    return showErrors(fields, errors);
  }

  onValidSubmit(form, validate, async () => {
    const body = {
      name: nameInput.value, templateId: selected.id, lifetimeHours: Number(lifetime.value),
      ...Object.fromEntries(sizeFields.map(size => [size.name, Number(size.number.value)])),
    };
    const result = await api('/api/vms', { method: 'POST', body });
    if (result.ok) {
      app.flash(t('create.started', { name: body.name }), body.name);
      app.invalidateQuota();
      location.hash = '#/vms';
      return;
    }
    let message = null;
    if (result.status === 400 && result.data?.errors) {
      message = showFieldErrors(fields, result.data).join(' ') || null;
    } else if (result.data?.type === 'quota-exceeded') {
      const quotaField = String(result.data.field);
      const size = sizeFields.find(candidate => candidate.quota.toLowerCase() === quotaField.toLowerCase());
      const text = t('create.quotaExceeded', { what: tOr(`quota.${quotaField}`, quotaField), limit: result.data.limit ?? '?' });
      if (size) size.made.setError(text);
      else message = text;
    } else {
      message = problemText(result, t('create.failed'));
    }
    general.textContent = message ?? '';
    general.hidden = !message;
    if (!focusFirstInvalid(form) && message) general.focus();
  });

  const first = templateChoices[0].querySelector('input');
  first.checked = true;
  selectTemplate(templates[0], true);
}

function range({ min, max }, format) {
  return min === max ? format(min) : `${format(min)} – ${format(max)}`;
}

/** "De 1 à 2 processeurs", "De 128 à 256 Mio", but "De 512 Mio à 2 Gio": the unit once when both ends share it. */
function rangeText(format, min, max) {
  const unit = text => text.replace(/^[\d\s.,\u00a0\u202f]+/, '');
  const low = format(min);
  const high = format(max);
  return t('create.rangeHint', { min: unit(high).startsWith(unit(low)) ? formatNumber(min) : low, max: high });
}
