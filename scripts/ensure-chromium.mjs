// The browser tests (test/console/) drive Debian's Chromium through playwright-core, which brings
// no browser of its own, and take screenshots of the Chinese pages, which need a CJK font. `npm
// test` runs this first: what is present is left alone; what is missing is installed, as root,
// from Debian's archive with apt-get (`chromium`, `fonts-wqy-microhei`; nothing fetched from
// elsewhere); as anyone else it stops with the command to run. MOFANG_CHROMIUM names another
// Chromium binary instead.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const binary = process.env.MOFANG_CHROMIUM ?? '/usr/bin/chromium';
if (process.env.MOFANG_CHROMIUM && !existsSync(binary)) {
  console.error(`MOFANG_CHROMIUM=${binary}: no such file`);
  process.exit(1);
}
const hasCjkFont = () => (spawnSync('fc-list', [':lang=zh'], { encoding: 'utf8' }).stdout ?? '').trim() !== '';
const missing = [...(existsSync(binary) ? [] : ['chromium']), ...(hasCjkFont() ? [] : ['fonts-wqy-microhei'])];
if (missing.length === 0) process.exit(0);
if (process.getuid?.() !== 0) {
  console.error(`The console browser tests need ${missing.join(' and ')}. Install with:\n  sudo apt-get install -y ${missing.join(' ')}`);
  process.exit(1);
}
console.log(`Installing ${missing.join(', ')} from Debian for the console browser tests…`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...missing]]) {
  const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`apt-get ${args.join(' ')} failed (exit ${r.status ?? r.signal}); install ${missing.join(' ')} by hand and rerun npm test.`);
    process.exit(1);
  }
}
if (!existsSync(binary)) {
  console.error(`chromium was installed but ${binary} does not exist`);
  process.exit(1);
}
