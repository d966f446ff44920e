// The one way the UI calls the API: JSON in and out, and the anti-forgery token (X-CSRF-TOKEN) on every
// state-changing request. The token belongs to the session: it is fetched after login, forgotten at logout.
const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
let token = null;

async function antiforgeryToken() {
  if (!token) {
    const response = await fetch('/api/session/antiforgery', { headers: { Accept: 'application/json' } });
    if (response.ok) token = (await response.json()).token;
  }
  return token;
}

/** Forget the token: a new session (login, logout) needs a new one. */
export function resetToken() {
  token = null;
}

async function send(path, method, body, headers, antiforgery) {
  const all = { Accept: 'application/json', ...headers };
  if (body !== undefined) all['Content-Type'] = 'application/json';
  if (antiforgery && unsafeMethods.has(method)) {
    const value = await antiforgeryToken();
    if (value) all['X-CSRF-TOKEN'] = value;
  }
  const response = await fetch(path, { method, headers: all, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = response.headers.get('Content-Type')?.includes('json');
  return { ok: response.ok, status: response.status, headers: response.headers, data: json ? await response.json() : null };
}

/**
 * fetch() for the API. `options`: method (GET), body (sent as JSON), headers, antiforgery (true; only the
 * login turns it off). Resolves to { ok, status, headers, data }: data is the parsed JSON (a problem
 * details object on errors) or null.
 */
export async function api(path, { method = 'GET', body, headers = {}, antiforgery = true } = {}) {
  const upper = method.toUpperCase();
  const result = await send(path, upper, body, headers, antiforgery);
  if (result.status === 400 && result.data?.type === 'antiforgery-token-invalid' && antiforgery) {
    // The session changed since the token was fetched (e.g. logged in again in another tab): once more.
    resetToken();
    return send(path, upper, body, headers, antiforgery);
  }
  return result;
}
