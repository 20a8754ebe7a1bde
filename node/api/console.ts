/**
 * The web console, served on the API's own port under `/console/` so the page and the API share
 * one origin: the browser sends the bearer token to the node it came from and nowhere else, and
 * no CORS is needed. The files are those `npm run build` writes to dist/console (an index.html and
 * assets whose names carry a content hash). They are read once when the app is built: a console
 * rebuilt while the node runs is served after the next start.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

const CONSOLE_PATH = '/console/';

/**
 * Scripts, styles, images and API calls from this origin only; no inline script or style, no eval,
 * no framing. Styles React and the canvas set through the DOM (element.style) are not inline
 * styles in CSP's sense, so 'unsafe-inline' is not needed.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** An asset name the build gave a content hash (`main-3F2A9BCD.js`): it never changes, so it may be cached for good. */
const HASHED = /-[A-Z0-9]{8}\.[a-z0-9]+$/;

interface ConsoleFile {
  body: Buffer;
  type: string;
  cache: string;
  /** The same bytes compressed at build time (`main-<hash>.js.br`, `.gz`), by content coding. */
  encoded: Partial<Record<Coding, Buffer>>;
}

type Coding = 'br' | 'gzip';
const CODING_SUFFIX: Record<string, Coding> = { '.br': 'br', '.gz': 'gzip' };

/** Every file of the built console by its URL path below /console/, or null when there is no build. */
export function loadConsole(dir: string): Map<string, ConsoleFile> | null {
  if (!existsSync(join(dir, 'index.html'))) return null;
  const files = new Map<string, ConsoleFile>();
  const compressed: { path: string; coding: Coding; body: Buffer }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const file = join(d, name);
      if (statSync(file).isDirectory()) walk(file);
      else {
        const path = relative(dir, file).split(sep).join('/');
        const coding = CODING_SUFFIX[extname(name)];
        // A compressed copy is never served under its own name: it is its original's other encoding.
        if (coding) compressed.push({ path: path.slice(0, -extname(name).length), coding, body: readFileSync(file) });
        else {
          const type = TYPES[extname(name)] ?? 'application/octet-stream';
          const cache = HASHED.test(name) ? 'public, max-age=31536000, immutable' : 'no-store';
          files.set(path, { body: readFileSync(file), type, cache, encoded: {} });
        }
      }
    }
  };
  walk(dir);
  for (const c of compressed) {
    const original = files.get(c.path);
    if (original) original.encoded[c.coding] = c.body;
  }
  return files;
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Mofang console not built</title></head>
<body><h1>The Mofang console is not built</h1>
<p>This node has no built console (dist/console/index.html is missing). Run <code>npm run build</code>
in the node's installation directory, then restart the node. The API under /v1 works without it.</p>
<p>控制台尚未构建：请在节点安装目录运行 <code>npm run build</code>，然后重启节点。</p></body></html>
`;

/**
 * `/` and `/console` redirect to `/console/`; a file of the build is served with its type and cache
 * policy; any other path below /console/ without a file extension is a route of the single-page
 * app and gets index.html. Without a build, every console URL answers 503 saying how to build it.
 * @example consoleRoutes(app, loadConsole(join(packageRoot(), 'dist', 'console')))
 */
export function consoleRoutes(app: FastifyInstance, files: Map<string, ConsoleFile> | null): void {
  const hidden = { config: { public: true }, schema: { hide: true, response: { 200: { type: 'string' }, 302: { type: 'null' } } } };
  const toConsole = async (_r: unknown, reply: FastifyReply) => reply.redirect(CONSOLE_PATH, 302);
  app.get('/', hidden, toConsole);
  app.get('/console', hidden, toConsole);
  app.get<{ Params: { '*': string } }>('/console/*', hidden, async (request, reply) => {
    reply.header('content-security-policy', CONSOLE_CSP).header('referrer-policy', 'no-referrer').header('x-frame-options', 'DENY');
    if (!files) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT);
    const path = request.params['*'];
    const file = files.get(path) ?? (extname(path) === '' ? files.get('index.html') : undefined);
    if (!file) return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    reply.type(file.type).header('cache-control', file.cache);
    const codings = Object.keys(file.encoded) as Coding[];
    if (codings.length === 0) return reply.send(file.body);
    // Caches must keep one copy per encoding: the same URL answers differently by Accept-Encoding.
    reply.header('vary', 'Accept-Encoding');
    const coding = pickCoding(request.headers['accept-encoding'], codings);
    const body = coding ? (file.encoded[coding] as Buffer) : file.body;
    if (coding) reply.header('content-encoding', coding);
    return reply.header('content-length', body.length).send(body);
  });
}

/**
 * The coding to answer with, of those the file has, by the client's Accept-Encoding (RFC 9110
 * §12.5.3): the highest q wins, br before gzip on a tie; `q=0` refuses a coding, `*` stands for
 * any coding not named. Null (the bytes as they are) when the client asked for none we have.
 * @example pickCoding('gzip, deflate, br', ['br', 'gzip']) // 'br'
 */
export function pickCoding(header: string | undefined, available: readonly Coding[]): Coding | null {
  if (!header) return null;
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const weight = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = weight === undefined ? 1 : Number(weight.slice(2));
    if (name.trim()) q.set(name.trim(), Number.isFinite(value) ? value : 0);
  }
  let best: Coding | null = null;
  let bestQ = 0;
  for (const coding of (['br', 'gzip'] as const).filter((c) => available.includes(c))) {
    const weight = q.get(coding) ?? (coding === 'gzip' ? q.get('x-gzip') : undefined) ?? q.get('*') ?? 0;
    if (weight > bestQ) [best, bestQ] = [coding, weight];
  }
  return best;
}
