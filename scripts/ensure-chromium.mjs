// The browser tests (test/console/) drive Debian's Chromium through playwright-core, which brings
// no browser of its own. `npm test` runs this first: with /usr/bin/chromium present it does
// nothing; otherwise, as root, it installs Debian's `chromium` package with apt-get (the
// distribution's archive, nothing fetched from elsewhere); as anyone else it stops with the
// command to run. MOFANG_CHROMIUM names another Chromium binary instead.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const binary = process.env.MOFANG_CHROMIUM ?? '/usr/bin/chromium';
if (existsSync(binary)) process.exit(0);
if (process.env.MOFANG_CHROMIUM) {
  console.error(`MOFANG_CHROMIUM=${binary}: no such file`);
  process.exit(1);
}
if (process.getuid?.() !== 0) {
  console.error(
    'The console browser tests need Chromium at /usr/bin/chromium. Install it with:\n  sudo apt-get install -y chromium\n(or set MOFANG_CHROMIUM to a Chromium binary).',
  );
  process.exit(1);
}
console.log("Installing Debian's chromium for the console browser tests (apt-get install -y chromium)…");
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
  const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`apt-get ${args.join(' ')} failed (exit ${r.status ?? r.signal}); install chromium by hand and rerun npm test.`);
    process.exit(1);
  }
}
if (!existsSync(binary)) {
  console.error(`chromium was installed but ${binary} does not exist`);
  process.exit(1);
}
