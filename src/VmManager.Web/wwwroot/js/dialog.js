// @ts-check
import { h, uniqueId } from './dom.js';
import { t } from './i18n.js';

/**
 * Asks before something that cannot be undone. A modal <dialog>: focus is trapped inside, Escape
 * cancels, "Cancel" has the focus first, and focus returns to where it was. Resolves to true or false.
 */
export function confirmAction({ title, message, confirm }) {
  const opener = document.activeElement;
  const titleId = uniqueId('dialog-title');
  const messageId = uniqueId('dialog-message');
  return new Promise(resolve => {
    const cancelButton = h('button', { type: 'button', class: 'button' }, t('common.cancel'));
    const confirmButton = h('button', { type: 'button', class: 'button danger' }, confirm);
    const dialog = h('dialog', { class: 'confirm-dialog', 'aria-labelledby': titleId, 'aria-describedby': messageId },
      h('h2', { id: titleId }, title),
      h('p', { id: messageId }, message),
      h('div', { class: 'dialog-actions' }, cancelButton, confirmButton));
    const close = answer => {
      dialog.close();
      dialog.remove();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(answer);
    };
    cancelButton.addEventListener('click', () => close(false));
    confirmButton.addEventListener('click', () => close(true));
    dialog.addEventListener('cancel', event => {
      event.preventDefault();
      close(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancelButton.focus();
  });
}
