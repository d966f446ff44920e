// @ts-check
import { currentLanguage, t } from './i18n.js';

const pad = value => String(value).padStart(2, '0');

/** "1 h 05 min 09 s", "2 j 3 h": a lease countdown, precise to the second under a day. */
export function formatRemaining(milliseconds) {
  if (milliseconds <= 0) return t('time.expired');
  const seconds = Math.floor(milliseconds / 1000);
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor(seconds / 3600) % 24;
  const minutes = Math.floor(seconds / 60) % 60;
  if (days > 0) return t('time.daysHours', { days, hours });
  if (hours > 0) return t('time.hoursMinutesSeconds', { hours, minutes: pad(minutes), seconds: pad(seconds % 60) });
  return t('time.minutesSeconds', { minutes, seconds: pad(seconds % 60) });
}

/** "2:07" since an operation started. */
export function formatElapsed(milliseconds) {
  const seconds = Math.max(0, Math.floor(milliseconds / 1000));
  return `${Math.floor(seconds / 60)}:${pad(seconds % 60)}`;
}

export function formatDate(value) {
  if (!value) return '—';
  return new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(value));
}

export function formatDay(value) {
  if (!value) return '—';
  return new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'medium' }).format(new Date(value));
}

export const formatNumber = value => new Intl.NumberFormat(currentLanguage()).format(value);

/** Memory is MiB in the API; shown as Mio/Gio (fr) or MiB/GiB (en). */
export function formatMemory(mebibytes) {
  return mebibytes >= 1024 && mebibytes % 1024 === 0
    ? t('unit.gib', { value: formatNumber(mebibytes / 1024) })
    : t('unit.mib', { value: formatNumber(mebibytes) });
}

export const formatDisk = gibibytes => t('unit.gib', { value: formatNumber(gibibytes) });

export const formatCpus = cpus => t(cpus > 1 ? 'unit.cpus' : 'unit.cpu', { value: formatNumber(cpus) });

export const formatHours = hours => t('unit.hours', { value: formatNumber(hours) });

/** "de Paul", "d'Inès" in French (elision before a vowel or a mute h); the name alone in English ("Request from Inès"). */
export function ofName(name) {
  if (currentLanguage() !== 'fr') return name;
  return /^[aeiouyh]/i.test(name.normalize('NFD')) ? `d'${name}` : `de ${name}`;
}

/** A template's label and description in the page's language. */
export const templateLabel = template => (currentLanguage() === 'en' ? template?.labelEn : template?.labelFr) ?? '';

export const templateDescription = template => (currentLanguage() === 'en' ? template?.descriptionEn : template?.descriptionFr) ?? '';
