// @ts-check
// The VM console: asks the daemon for a single-use ticket, then lets noVNC speak RFB over the
// daemon's WebSocket bridge. Every new connection (reconnect included) needs a fresh ticket.
// @ts-expect-error -- noVNC is copied into wwwroot at build and has no type declarations.
import RFB from '/novnc/core/rfb.js';
// @ts-expect-error -- as above.
import KeyTable from '/novnc/core/input/keysym.js';
// @ts-expect-error -- as above.
import keysyms from '/novnc/core/input/keysymdef.js';
import { api } from './api.js';
import { applyLanguage, t } from './i18n.js';

const $ = selector => document.querySelector(selector);
const vmId = new URLSearchParams(location.search).get('vm') ?? '';
const screen = $('#screen');
const state = { state: 'idle', viewOnly: false, error: null };
/** @type {any} */ (window).__console = state;

let rfb = null;
let attempt = 0; // a newer connect() (reconnect clicked twice) makes the older one give up
let scale = localStorage.getItem('console.scale') !== 'false';

// The VM's name for the heading and the tab (the address only has its id); null until known.
let vmName = null;

function showTitle() {
  $('#vm-name').textContent = vmName ?? '';
  document.title = `${t('console.title')}${vmName ? ` ${vmName}` : ''} — VmManager`;
}

// From the list of VMs the caller may see (never a 404 in the page's log for a VM that is gone).
async function loadName() {
  if (!vmId) return;
  const response = await fetch('/api/vms?scope=all', { headers: { Accept: 'application/json' } });
  if (!response.ok) return;
  const machine = (await response.json()).find(vm => vm.id === vmId);
  if (machine) {
    vmName = machine.name;
    showTitle();
  }
}

// noVNC makes its canvas focusable by script only: a Tab stop lets keyboard users type into the VM.
function makeScreenReachable() {
  const canvas = [...screen.querySelectorAll('canvas')].at(-1);
  if (!canvas) return;
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'application');
  canvas.setAttribute('aria-label', t('console.screen'));
  canvas.setAttribute('aria-describedby', 'console-hint');
}

function setState(next, statusKey) {
  state.state = next;
  const status = $('#status');
  status.dataset.i18n = statusKey;
  status.textContent = t(statusKey);
  $('#progress').hidden = !(next === 'ticket' || next === 'connecting');
  // Without a console there is nothing to show but the message: no empty screen, no idle controls.
  document.body.classList.toggle('console-failed', next === 'failed');
  const canType = next === 'connected' && !state.viewOnly;
  for (const button of document.querySelectorAll('.key-combo, #send-text')) if (button instanceof HTMLButtonElement) button.disabled = !canType;
}

// Elements carrying data-i18n are re-translated when the language changes.
function showError(key) {
  state.error = key;
  const error = $('#error');
  error.hidden = !key;
  error.textContent = key ? t(key) : '';
  if (key) error.dataset.i18n = key;
  else delete error.dataset.i18n;
}

async function requestTicket() {
  // api() sends the anti-forgery token the daemon requires on every POST.
  const response = await api('/api/consoles', { method: 'POST', body: { vmId } });
  if (response.ok) return response.data;
  const messages = { 401: 'console.loginRequired', 404: 'console.notFound', 409: 'console.notRunning', 429: 'console.tooMany' };
  throw new Error(messages[response.status] ?? 'console.failed');
}

async function connect() {
  const mine = ++attempt;
  if (rfb) {
    const previous = rfb;
    rfb = null;
    previous.disconnect();
  }
  showError(null);
  if (!vmId) {
    setState('failed', 'console.failedStatus');
    showError('console.noVm');
    return;
  }
  setState('ticket', 'console.ticket');
  let ticket;
  try {
    ticket = await requestTicket();
  } catch (error) {
    if (mine !== attempt) return;
    setState('failed', 'console.failedStatus');
    showError(error.message.startsWith('console.') ? error.message : 'console.failed');
    return;
  }
  if (mine !== attempt) return;
  state.viewOnly = ticket.viewOnly;
  $('#view-only').hidden = !ticket.viewOnly;
  setState('connecting', 'console.connecting');
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const session = new RFB(screen, `${scheme}//${location.host}${ticket.webSocketPath}`, { shared: true });
  rfb = session;
  makeScreenReachable();
  session.viewOnly = ticket.viewOnly;
  session.scaleViewport = scale;
  session.background = '#222';
  session.addEventListener('connect', () => {
    if (rfb !== session) return;
    setState('connected', ticket.viewOnly ? 'console.connectedViewOnly' : 'console.connected');
  });
  session.addEventListener('disconnect', event => {
    if (rfb !== session) return;
    rfb = null;
    const clean = event.detail.clean && state.state === 'connected';
    setState('disconnected', clean ? 'console.disconnected' : 'console.lost');
  });
  session.addEventListener('securityfailure', () => showError('console.failed'));
  session.addEventListener('credentialsrequired', () => {
    showError('console.failed');
    session.disconnect();
  });
}

// keysym + the KeyboardEvent.code QEMU turns into a scancode (noVNC uses it when the server allows).
const keys = {
  ctrl: [KeyTable.XK_Control_L, 'ControlLeft'], alt: [KeyTable.XK_Alt_L, 'AltLeft'], tab: [KeyTable.XK_Tab, 'Tab'],
  f1: [KeyTable.XK_F1, 'F1'], f2: [KeyTable.XK_F2, 'F2'], super: [KeyTable.XK_Super_L, 'MetaLeft'],
};
const combos = {
  'ctrl-alt-f1': ['ctrl', 'alt', 'f1'], 'ctrl-alt-f2': ['ctrl', 'alt', 'f2'], 'alt-tab': ['alt', 'tab'], super: ['super'],
};

function sendCombo(name) {
  if (!rfb || state.viewOnly) return;
  if (name === 'ctrl-alt-del') {
    rfb.sendCtrlAltDel();
  } else {
    const pressed = combos[name].map(key => keys[key]);
    for (const [keysym, code] of pressed) rfb.sendKey(keysym, code, true);
    for (const [keysym, code] of pressed.reverse()) rfb.sendKey(keysym, code, false);
  }
  rfb.focus();
}

// QEMU maps keysyms with its US keymap and does not add Shift itself: press it for what needs it there.
const shifted = /[A-Z~!@#$%^&*()_+{}|:"<>?]/;

async function typeText(text) {
  let count = 0;
  for (const character of text.replace(/\r\n?/g, '\n')) {
    if (!rfb || state.viewOnly) return;
    if (character === '\n') {
      rfb.sendKey(KeyTable.XK_Return, null);
    } else if (character === '\t') {
      rfb.sendKey(KeyTable.XK_Tab, null);
    } else {
      const shift = shifted.test(character);
      if (shift) rfb.sendKey(KeyTable.XK_Shift_L, null, true);
      rfb.sendKey(keysyms.lookup(character.codePointAt(0)), null);
      if (shift) rfb.sendKey(KeyTable.XK_Shift_L, null, false);
    }
    // A guest's keyboard buffer is small: give it time every few characters.
    if (++count % 16 === 0) await new Promise(resolve => setTimeout(resolve, 20));
  }
}

function openTextDialog() {
  const dialog = $('#text-dialog');
  $('#text').value = '';
  $('#paste').hidden = !navigator.clipboard?.readText;
  dialog.showModal();
  $('#text').focus();
}

async function pasteClipboard() {
  try {
    $('#text').value = (await navigator.clipboard.readText()).slice(0, 4000);
  } catch {
    // Permission refused: the user can still paste with Ctrl+V into the text area.
  }
  $('#text').focus();
}

function toggleScale() {
  scale = !scale;
  localStorage.setItem('console.scale', String(scale));
  $('#scale').setAttribute('aria-pressed', String(scale));
  if (rfb) rfb.scaleViewport = scale;
}

function toggleFullscreen() {
  if (document.fullscreenElement) document.exitFullscreen();
  else $('#console').requestFullscreen?.().catch(() => {});
}

// noVNC keeps every key (Tab included) once the screen has focus: this one gives the keyboard back.
window.addEventListener('keydown', event => {
  if (event.ctrlKey && event.altKey && event.shiftKey && event.code === 'KeyQ') {
    event.preventDefault();
    event.stopPropagation();
    rfb?.blur();
    $('#reconnect').focus();
  }
}, true);

applyLanguage();
for (const button of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-lang]'))) {
  button.addEventListener('click', () => {
    applyLanguage(button.dataset.lang);
    showTitle();
    screen.querySelector('canvas')?.setAttribute('aria-label', t('console.screen'));
  });
}
for (const button of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('.key-combo'))) button.addEventListener('click', () => sendCombo(button.dataset.combo));
showTitle();
loadName();
$('#scale').setAttribute('aria-pressed', String(scale));
$('#scale').addEventListener('click', toggleScale);
$('#fullscreen').addEventListener('click', toggleFullscreen);
$('#reconnect').addEventListener('click', connect);
$('#send-text').addEventListener('click', openTextDialog);
$('#paste').addEventListener('click', pasteClipboard);
$('#text-dialog').addEventListener('close', () => {
  if ($('#text-dialog').returnValue === 'type') typeText($('#text').value.slice(0, 4000)).then(() => rfb?.focus());
});
connect();
