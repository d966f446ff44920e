// @ts-check
// A tiny DOM builder: h('button', { type: 'button', onclick }, 'Text'). Attributes set to null or false
// are left out, true gives an empty attribute; children may be strings, nodes, arrays, null or false.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children.flat(Infinity).filter(child => child !== null && child !== undefined && child !== false));
  return element;
}

/** Text visible to screen readers only, e.g. the VM's name after a "Stop" button. */
export const hiddenText = text => h('span', { class: 'visually-hidden' }, text);

let nextId = 0;
/** A unique id for label/aria-describedby pairs. */
export const uniqueId = prefix => `${prefix}-${++nextId}`;

const svgNamespace = 'http://www.w3.org/2000/svg';
// 16×16 outlines; "solid:" paths are filled. State is always shown as icon + text, never colour alone.
const icons = {
  running: ['solid:M5 3l8 5-8 5z'],
  stopped: ['solid:M4 4h8v8H4z'],
  creating: ['M4 2h8M4 14h8M5 2c0 4 6 4 6 6s-6 2-6 6M11 2c0 4-6 4-6 6s6 2 6 6'],
  deleting: ['M2 4h12M6 4V2h4v2M4 4l1 10h6l1-10'],
  failed: ['M8 1.5l6.5 12h-13z', 'M8 6v3.5M8 11.5v.5'],
  gone: ['M3 8h10'],
  pending: ['M8 1.5a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13z', 'M8 4v4l3 2'],
  expired: ['M8 1.5a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13z', 'M5 8h6'],
  approved: ['M2.5 8.5l3.5 3.5 7.5-8'],
  refused: ['M3.5 3.5l9 9M12.5 3.5l-9 9'],
  healthy: ['M2.5 8.5l3.5 3.5 7.5-8'],
  degraded: ['M8 1.5l6.5 12h-13z', 'M8 6v3.5M8 11.5v.5'],
  unhealthy: ['M3.5 3.5l9 9M12.5 3.5l-9 9'],
  external: ['M9 2h5v5M14 2L7 9M12 10v4H2V4h4'],
};

export function icon(name) {
  const svg = document.createElementNS(svgNamespace, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', 'icon');
  for (const path of icons[name] ?? icons.gone) {
    const element = document.createElementNS(svgNamespace, 'path');
    const solid = path.startsWith('solid:');
    element.setAttribute('d', solid ? path.slice(6) : path);
    if (solid) element.setAttribute('class', 'solid');
    svg.append(element);
  }
  return svg;
}

/** Moves focus to an element that is not focusable by itself (a heading after a route change, a card). */
export function focusQuietly(element) {
  if (!element) return;
  if (!element.hasAttribute('tabindex')) element.setAttribute('tabindex', '-1');
  element.focus({ preventScroll: false });
}
