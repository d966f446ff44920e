// @ts-check
// French first, English second; the choice is remembered, Accept-Language decides the first visit.
import en from './i18n/en.js';
import fr from './i18n/fr.js';

/** @type {Record<string, Record<string, string>>} */
const dictionaries = { fr, en };

export function currentLanguage() {
  const saved = localStorage.getItem('lang');
  if (saved in dictionaries) return saved;
  return (navigator.languages ?? []).some(l => l.startsWith('fr')) || !navigator.language?.startsWith('en') ? 'fr' : 'en';
}

/** The text for `key` in the current language, with {name} placeholders filled from `params`. */
export function t(key, params) {
  const text = dictionaries[currentLanguage()][key] ?? dictionaries.fr[key] ?? key;
  return params ? text.replace(/\{(\w+)\}/g, (placeholder, name) => (name in params ? String(params[name]) : placeholder)) : text;
}

/** Like t() for keys built from server values (a health check's name): the fallback when unknown. */
export const tOr = (key, fallback, params) => (key in dictionaries.fr ? t(key, params) : fallback);

export function applyLanguage(lang = currentLanguage()) {
  localStorage.setItem('lang', lang);
  document.documentElement.lang = lang;
  for (const element of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-i18n]'))) {
    element.textContent = t(element.dataset.i18n, element.dataset.i18nParams ? JSON.parse(element.dataset.i18nParams) : undefined);
  }
  for (const element of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-i18n-aria-label]'))) element.setAttribute('aria-label', t(element.dataset.i18nAriaLabel));
  for (const button of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-lang]'))) button.setAttribute('aria-pressed', String(button.dataset.lang === lang));
}
