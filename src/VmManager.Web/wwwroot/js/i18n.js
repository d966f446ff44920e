// French first, English second; the choice is remembered, Accept-Language decides the first visit.
const dictionaries = {
  fr: {
    'login.title': 'Connexion', 'login.userName': 'Identifiant', 'login.password': 'Mot de passe', 'login.submit': 'Se connecter',
    'login.required': 'Ce champ est obligatoire.', 'login.invalid': 'Identifiant ou mot de passe incorrect.',
    'login.directory': "L'annuaire de l'établissement est injoignable. Réessayez dans quelques minutes.",
    'login.throttled': 'Trop de tentatives. Patientez une minute avant de réessayer.', 'login.failed': 'La connexion a échoué.',
    'home.hello': 'Bonjour', 'home.logout': 'Se déconnecter',
  },
  en: {
    'login.title': 'Sign in', 'login.userName': 'User name', 'login.password': 'Password', 'login.submit': 'Sign in',
    'login.required': 'This field is required.', 'login.invalid': 'Wrong user name or password.',
    'login.directory': 'The school directory is unreachable. Try again in a few minutes.',
    'login.throttled': 'Too many attempts. Wait a minute before trying again.', 'login.failed': 'Sign-in failed.',
    'home.hello': 'Hello', 'home.logout': 'Sign out',
  },
};

export function currentLanguage() {
  const saved = localStorage.getItem('lang');
  if (saved in dictionaries) return saved;
  return (navigator.languages ?? []).some(l => l.startsWith('fr')) || !navigator.language?.startsWith('en') ? 'fr' : 'en';
}

export function t(key) {
  return dictionaries[currentLanguage()][key] ?? dictionaries.fr[key] ?? key;
}

export function applyLanguage(lang = currentLanguage()) {
  localStorage.setItem('lang', lang);
  document.documentElement.lang = lang;
  for (const element of document.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
  for (const button of document.querySelectorAll('[data-lang]')) button.setAttribute('aria-pressed', String(button.dataset.lang === lang));
}
