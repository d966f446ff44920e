// French first, English second; the choice is remembered, Accept-Language decides the first visit.
const dictionaries = {
  fr: {
    'login.title': 'Connexion', 'login.userName': 'Identifiant', 'login.password': 'Mot de passe', 'login.submit': 'Se connecter',
    'login.required': 'Ce champ est obligatoire.', 'login.invalid': 'Identifiant ou mot de passe incorrect.',
    'login.directory': "L'annuaire de l'établissement est injoignable. Réessayez dans quelques minutes.",
    'login.throttled': 'Trop de tentatives. Patientez une minute avant de réessayer.', 'login.failed': 'La connexion a échoué.',
    'home.hello': 'Bonjour', 'home.logout': 'Se déconnecter',
    'console.title': 'Console', 'console.toolbar': 'Commandes de la console', 'console.keys': 'Envoyer une combinaison de touches',
    'console.starting': 'Préparation…', 'console.ticket': 'Demande d’accès…', 'console.connecting': 'Connexion à la console…',
    'console.connected': 'Connecté', 'console.connectedViewOnly': 'Connecté (lecture seule)', 'console.disconnected': 'Déconnecté',
    'console.lost': 'Connexion perdue', 'console.failedStatus': 'Pas de console', 'console.viewOnly': 'Lecture seule',
    'console.ctrlAltDel': 'Ctrl+Alt+Suppr', 'console.superKey': 'Touche Windows', 'console.sendText': 'Envoyer du texte…',
    'console.scale': 'Ajuster à la fenêtre', 'console.fullscreen': 'Plein écran', 'console.reconnect': 'Reconnecter',
    'console.hint': "Cliquez sur l'écran pour taper dans la VM. Ctrl+Alt+Maj+Q rend le clavier à la page.",
    'console.sendTextTitle': 'Taper du texte dans la VM', 'console.text': 'Texte',
    'console.sendTextHelp': 'Le texte est tapé touche par touche, avec un clavier américain (QWERTY).',
    'console.paste': 'Coller le presse-papiers', 'console.cancel': 'Annuler', 'console.type': 'Taper dans la VM',
    'console.noVm': "Aucune VM indiquée dans l'adresse.", 'console.loginRequired': 'Connectez-vous d’abord, puis rouvrez la console.',
    'console.notFound': "Cette VM n'existe pas ou ne vous appartient pas.", 'console.notRunning': "La VM n'est pas démarrée.",
    'console.tooMany': 'Trop de consoles ouvertes. Fermez-en une puis reconnectez.', 'console.failed': "La console n'a pas pu s'ouvrir.",
  },
  en: {
    'login.title': 'Sign in', 'login.userName': 'User name', 'login.password': 'Password', 'login.submit': 'Sign in',
    'login.required': 'This field is required.', 'login.invalid': 'Wrong user name or password.',
    'login.directory': 'The school directory is unreachable. Try again in a few minutes.',
    'login.throttled': 'Too many attempts. Wait a minute before trying again.', 'login.failed': 'Sign-in failed.',
    'home.hello': 'Hello', 'home.logout': 'Sign out',
    'console.title': 'Console', 'console.toolbar': 'Console controls', 'console.keys': 'Send a key combination',
    'console.starting': 'Preparing…', 'console.ticket': 'Requesting access…', 'console.connecting': 'Connecting to the console…',
    'console.connected': 'Connected', 'console.connectedViewOnly': 'Connected (view only)', 'console.disconnected': 'Disconnected',
    'console.lost': 'Connection lost', 'console.failedStatus': 'No console', 'console.viewOnly': 'View only',
    'console.ctrlAltDel': 'Ctrl+Alt+Del', 'console.superKey': 'Windows key', 'console.sendText': 'Send text…',
    'console.scale': 'Scale to window', 'console.fullscreen': 'Full screen', 'console.reconnect': 'Reconnect',
    'console.hint': 'Click the screen to type into the VM. Ctrl+Alt+Shift+Q gives the keyboard back to the page.',
    'console.sendTextTitle': 'Type text into the VM', 'console.text': 'Text',
    'console.sendTextHelp': 'The text is typed key by key, with a US (QWERTY) keyboard.',
    'console.paste': 'Paste the clipboard', 'console.cancel': 'Cancel', 'console.type': 'Type into the VM',
    'console.noVm': 'No VM given in the address.', 'console.loginRequired': 'Sign in first, then open the console again.',
    'console.notFound': 'This VM does not exist or is not yours.', 'console.notRunning': 'The VM is not running.',
    'console.tooMany': 'Too many consoles open. Close one, then reconnect.', 'console.failed': 'The console could not be opened.',
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
