/**
 * Every call to the node's API: same origin, the bearer token from the session, JSON in and out.
 * A failure becomes an `ApiError` carrying the server's catalogue code and message; a 401 also
 * tells the app to return to the login page with the server's reason.
 */
import { forgetToken, storedToken } from './session';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

let onUnauthorised: (reason: ApiError) => void = () => {};
/** The app's handler for a refused token (it shows the login page with the reason). */
export function whenUnauthorised(handler: (reason: ApiError) => void): void {
  onUnauthorised = handler;
}

/** @example const { journeys } = await api<{ journeys: Journey[] }>('/v1/journeys') */
export async function api<T>(path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
  const token = init.token ?? storedToken();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', err instanceof Error ? err.message : String(err));
  }
  if (response.ok) return (response.status === 204 ? undefined : await response.json()) as T;
  const body = (await response.json().catch(() => null)) as { error?: { code: string; message: string; details?: Record<string, unknown> } } | null;
  const error = body?.error
    ? new ApiError(response.status, body.error.code, body.error.message, body.error.details)
    : new ApiError(response.status, 'HTTP', `${response.status} ${response.statusText}`);
  if (response.status === 401) {
    forgetToken();
    onUnauthorised(error);
  }
  throw error;
}

/** Downloads a response as a file (the audit export), with the token in the header, not the URL. */
export async function download(path: string, filename: string): Promise<void> {
  const token = storedToken();
  const response = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
    throw new ApiError(response.status, body?.error?.code ?? 'HTTP', body?.error?.message ?? `${response.status}`);
  }
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  URL.revokeObjectURL(url);
}
