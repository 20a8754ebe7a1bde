/**
 * Open and click tracking for HTML e-mail. Opens: a 1×1 image at `<base>/o/<token>`, the token
 * being the outbox key signed for "open". Clicks: each `<a href="http(s)://…">` of the HTML body
 * points at `<base>/r/<token>` instead, the token holding the outbox key and the original target,
 * signed for "click"; the node redirects to the target it finds inside a token it verified, so the
 * redirect cannot be pointed elsewhere (no open redirect) and only http(s) targets are followed.
 * The text body is left alone: a reader of plain text sees the real links. Either can be turned
 * off per channel (some banks forbid pixels).
 */
import { signToken, verifyToken } from './signed-token.js';
import { escapeHtml } from './template.js';

export interface TrackingOptions {
  /** The node's public base of the tracking routes, `https://mail.bank.example/v1/reach`. */
  baseUrl: string;
  secret: string;
  opens: boolean;
  clicks: boolean;
}

/** Targets longer than this stay as they are (a token must fit in a URL). */
const MAX_TARGET = 2000;

const LINK = /(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?:\/\/[^"'<>\s]+)\2/gi;
const ENTITIES: Record<string, string> = { '&amp;': '&', '&quot;': '"', '&#39;': "'", '&lt;': '<', '&gt;': '>' };

const base = (options: TrackingOptions) => options.baseUrl.replace(/\/+$/, '');

/** The HTML body with its links rewritten and the pixel appended, as `options` turn them on. */
export function trackedHtml(html: string, key: string, options: TrackingOptions): string {
  let out = html;
  if (options.clicks) {
    out = out.replace(LINK, (whole, start: string, quote: string, href: string) => {
      // The href is HTML text: the target is what a browser would follow, entities decoded.
      const target = href.replace(/&(amp|quot|#39|lt|gt);/g, (e) => ENTITIES[e]);
      if (target.length > MAX_TARGET || !isWebUrl(target)) return whole;
      return `${start}${quote}${escapeHtml(`${base(options)}/r/${clickToken(options.secret, key, target)}`)}${quote}`;
    });
  }
  if (options.opens) out += `\n<img src="${escapeHtml(`${base(options)}/o/${signToken(options.secret, 'open', key)}`)}" width="1" height="1" alt="">`;
  return out;
}

function clickToken(secret: string, key: string, target: string): string {
  return signToken(secret, 'click', Buffer.from(JSON.stringify([key, target])).toString('base64url'));
}

/** The outbox key of an open pixel's token, or null for a forged or altered one. */
export function verifyOpenToken(secret: string, token: string): string | null {
  return verifyToken(secret, 'open', token);
}

/** The outbox key and the target of a click token, or null for a forged or altered one (or a target that is not http(s)). */
export function verifyClickToken(secret: string, token: string): { key: string; target: string } | null {
  const payload = verifyToken(secret, 'click', token);
  if (payload === null) return null;
  try {
    const value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string' || typeof value[1] !== 'string') return null;
    return isWebUrl(value[1]) ? { key: value[0], target: value[1] } : null;
  } catch {
    return null;
  }
}

function isWebUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
