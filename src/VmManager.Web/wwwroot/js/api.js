// @ts-check
// The one way the UI calls the API: JSON in and out, the anti-forgery token (X-CSRF-TOKEN) on every
// state-changing request when the server offers one, and one place that notices a lost session.
const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
// undefined: not asked yet; null: this server has no antiforgery endpoint; otherwise the token.
let token;
let sessionLost = () => {};

async function antiforgeryToken() {
  if (token === undefined) {
    const response = await fetch('/api/session/antiforgery', { headers: { Accept: 'application/json' } });
    if (response.ok) token = (await response.json()).token;
    else if (response.status === 404) token = null;
  }
  return token ?? null;
}

/** Forget the token: a new session (login, logout) needs a new one. */
export function resetToken() {
  token = undefined;
}

/** Called once per API answer 401 outside the session endpoints: the session expired or was revoked. */
export function onSessionLost(handler) {
  sessionLost = handler;
}

async function send(path, method, body, headers, antiforgery) {
  const all = { Accept: 'application/json', ...headers };
  if (body !== undefined) all['Content-Type'] = 'application/json';
  if (antiforgery && unsafeMethods.has(method)) {
    const value = await antiforgeryToken();
    if (value) all['X-CSRF-TOKEN'] = value;
  }
  const response = await fetch(path, { method, headers: all, body: body === undefined ? undefined : JSON.stringify(body) });
  const type = response.headers.get('Content-Type') ?? '';
  const text = await response.text();
  const data = !text ? null : type.includes('json') ? JSON.parse(text) : type.startsWith('text/') ? text : null;
  return { ok: response.ok, status: response.status, headers: response.headers, data };
}

/**
 * fetch() for the API. `options`: method (GET), body (sent as JSON), headers, antiforgery (true; only the
 * login turns it off). Resolves to { ok, status, headers, data }: data is the parsed JSON (a problem
 * details object on errors), the text of a text answer, or null. A network failure gives status 0.
 */
/**
 * @param {string} path
 * @param {{ method?: string, body?: unknown, headers?: Record<string, string>, antiforgery?: boolean }} [options]
 * @returns {Promise<{ ok: boolean, status: number, headers: Headers, data: any }>}
 */
export async function api(path, { method = 'GET', body = undefined, headers = {}, antiforgery = true } = {}) {
  const upper = method.toUpperCase();
  try {
    let result = await send(path, upper, body, headers, antiforgery);
    if (result.status === 400 && result.data?.type === 'antiforgery-token-invalid' && antiforgery) {
      // The session changed since the token was fetched (e.g. logged in again in another tab): once more.
      resetToken();
      result = await send(path, upper, body, headers, antiforgery);
    }
    if (result.status === 401 && !path.startsWith('/api/session')) sessionLost();
    return result;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return { ok: false, status: 0, headers: new Headers(), data: null };
  }
}
