#!/usr/bin/env node
// Installs and builds the settings page (static/settings) when it is missing or older than its sources.
// Runs from `npm install` (postinstall) and before `npm start`, so the two README commands need nothing else.
const { execSync } = require('node:child_process');
const { existsSync, statSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

const ui = join(__dirname, '..', 'static', 'settings');
if (!existsSync(join(ui, 'package.json'))) process.exit(0);

const run = (cmd) => execSync(cmd, { cwd: ui, stdio: 'inherit' });
const newest = (dir) => {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
};

if (!existsSync(join(ui, 'node_modules'))) {
  // `npm install`, not `npm ci`: npm 11 writes locks without other platforms' optional binaries
  // (@swc/core-*, @unrs/resolver-binding-*) and `npm ci` then refuses them as out of sync.
  run('npm install --no-audit --no-fund');
}
const index = join(ui, 'build', 'index.html');
const sources = Math.max(newest(join(ui, 'src')), newest(join(__dirname, '..', 'src', 'shared')));
if (!existsSync(index) || statSync(index).mtimeMs < sources || process.argv.includes('--force')) run('npm run build');
