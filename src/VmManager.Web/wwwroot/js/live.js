// @ts-check
import { api } from './api.js';

// One EventSource per signed-in page. The server sends "machine" events ({machineId, owner, state,
// step, jobId}); each page re-fetches only the VM that changed. EventSource reconnects by itself; after
// a reconnect the page reloads its list, since events sent while disconnected are lost.
let source = null;
const listeners = new Set();

function emit(change) {
  for (const listener of listeners) listener(change);
}

export function connectEvents() {
  if (source) return;
  source = new EventSource('/api/vms/events');
  let opened = false;
  source.addEventListener('open', () => {
    if (opened) emit({ resync: true });
    opened = true;
  });
  source.addEventListener('machine', event => emit(JSON.parse(event.data)));
}

export function disconnectEvents() {
  source?.close();
  source = null;
}

/** Calls `listener(change)` on every event ({ resync: true } after a reconnect); returns the way to stop. */
export function onMachineChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Keeps a page's VMs current: loads `listPath`, then on each event re-fetches that VM (one request at
 * a time per VM; events arriving meanwhile cause one more fetch, not one each). `keep(machine)` says
 * whether the page shows it; it sees events too (both carry `owner`), so others' VMs cost no request. Calls onList(machines), onUpsert(machine) and onRemove(id). Returns
 * { refresh(id), stop() }: refresh after the page's own action answers, in case an event is slow.
 */
/**
 * @param {{ listPath: string, keep?: (machine: any) => boolean, onList: (machines: any[]) => void,
 *   onUpsert: (machine: any) => void, onRemove: (id: string) => void, onError?: (result: any) => void }} options
 */
export function watchMachines({ listPath, keep = () => true, onList, onUpsert, onRemove, onError = undefined }) {
  const inFlight = new Set();
  const again = new Set();
  let stopped = false;

  async function loadList() {
    const result = await api(listPath);
    if (stopped) return;
    if (result.ok) onList(result.data.filter(keep));
    else onError?.(result);
  }

  async function refresh(id) {
    if (inFlight.has(id)) {
      again.add(id);
      return;
    }
    inFlight.add(id);
    try {
      const result = await api(`/api/vms/${encodeURIComponent(id)}`);
      if (stopped) return;
      if (result.ok && keep(result.data)) onUpsert(result.data);
      else if (result.ok || result.status === 404) onRemove(id);
    } finally {
      inFlight.delete(id);
      if (again.delete(id) && !stopped) refresh(id);
    }
  }

  const unsubscribe = onMachineChange(change => {
    if (change.resync) loadList();
    else if (keep(change)) refresh(change.machineId);
  });
  loadList();
  return {
    refresh,
    stop() {
      stopped = true;
      unsubscribe();
    },
  };
}

/** One timer for every live countdown and elapsed time on the page, instead of one per card. */
const tickers = new Set();
setInterval(() => {
  for (const tick of tickers) tick();
}, 1000);

export function everySecond(tick) {
  tickers.add(tick);
  tick();
  return () => tickers.delete(tick);
}
