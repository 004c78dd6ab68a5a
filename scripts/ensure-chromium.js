#!/usr/bin/env node
// The browser test drives Debian's Chromium (Playwright's own download is not reachable here).
// Installs it with apt when missing and we are root; otherwise says what to do.
const { execSync } = require('node:child_process');
const { existsSync } = require('node:fs');

const BINARY = process.env.CHROMIUM_PATH || '/usr/lib/chromium/chromium';
if (existsSync(BINARY)) process.exit(0);
if (typeof process.getuid === 'function' && process.getuid() === 0) {
  execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium', { stdio: 'inherit' });
  if (existsSync(BINARY)) process.exit(0);
}
process.stderr.write(`Chromium not found at ${BINARY}. Install it: sudo apt-get install -y chromium (or set CHROMIUM_PATH).\n`);
process.exit(1);
