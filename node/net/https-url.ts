/** Where the node posts to others (alert webhooks, reach channels): checked once, at start. */
import { MofangError } from '../errors.js';
import { isLoopback } from './loopback.js';

/**
 * An https URL, or http to a loopback address (a local relay): anything else would carry messages,
 * credentials and signatures in clear. Credentials in the URL itself are refused: they would end up
 * in logs and reasons; a secret comes from its own file or variable. `field` names the config key
 * in the error.
 * @example checkHttpsUrl('https://alerts.example.com/hook', 'alerts.webhook.url').host // 'alerts.example.com'
 */
export function checkHttpsUrl(url: string, field: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new MofangError('CONFIG_INVALID', `${field}: not a URL`, { field });
  }
  if (parsed.username || parsed.password) {
    throw new MofangError('CONFIG_INVALID', `${field}: must not carry credentials (they come from a secret file or variable, or the body is signed)`, {
      field,
    });
  }
  const loopback = isLoopback(parsed.hostname.replace(/^\[|\]$/g, ''));
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new MofangError('CONFIG_INVALID', `${field}: must be an https URL (plain http only to a loopback address)`, { field });
  }
  return parsed;
}
