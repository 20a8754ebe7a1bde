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
  throw refused(response.status, response.statusText, await response.json().catch(() => null));
}

type ErrorBody = { error?: { code: string; message: string; details?: Record<string, unknown> } } | null;

/** The server's refusal as an ApiError; a 401 also sends the app back to the login page. */
function refused(status: number, statusText: string, body: unknown): ApiError {
  const e = (body as ErrorBody)?.error;
  const error = e ? new ApiError(status, e.code, e.message, e.details) : new ApiError(status, 'HTTP', `${status} ${statusText}`);
  if (status === 401) {
    forgetToken();
    onUnauthorised(error);
  }
  return error;
}

/** Bytes of an upload sent so far, of `total`. */
export interface UploadProgress {
  sent: number;
  total: number;
}

/**
 * Sends a file as the request body and reports the bytes sent as they go: fetch cannot report
 * upload progress, XMLHttpRequest's upload events can. The answer is JSON, as with `api`.
 *
 * @example await upload<ImportReport>('/v1/datasets/customers/import?id=phone:phone', file, 'text/csv', setProgress)
 */
export function upload<T>(path: string, file: Blob, contentType: string, onProgress: (p: UploadProgress) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    const token = storedToken();
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.setRequestHeader('content-type', contentType);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => onProgress({ sent: e.loaded, total: e.lengthComputable ? e.total : file.size });
    xhr.upload.onload = () => onProgress({ sent: file.size, total: file.size });
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'the upload did not reach the node'));
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // Not JSON: the status alone describes the failure.
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as T);
      else reject(refused(xhr.status, xhr.statusText, body));
    };
    xhr.send(file);
  });
}

/** Downloads a response as a file (the audit export), with the token in the header, not the URL. */
export async function download(path: string, filename: string): Promise<void> {
  const token = storedToken();
  const response = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!response.ok) throw refused(response.status, response.statusText, await response.json().catch(() => null));
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  URL.revokeObjectURL(url);
}
