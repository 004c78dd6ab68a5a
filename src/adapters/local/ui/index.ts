/**
 * What the local server needs to serve the Custom UI unchanged: the bridge shim (a plain browser
 * script standing in for the Forge host) and the transform that loads it before the app bundle.
 *
 * Expected routes (local server):
 *   GET  /repos/:repoKey/settings/            -> SETTINGS_BUILD_DIR/index.html through injectBridgeShim()
 *   GET  /workspaces/:ws/settings/            -> same file (the shim tells the page it is the workspace page)
 *   GET  /repos/:repoKey/settings/assets/*    -> SETTINGS_BUILD_DIR/assets/* (the build uses relative URLs)
 *   GET  /__local/bridge-shim.js              -> BRIDGE_SHIM_PATH (application/javascript)
 *   POST /api/resolvers/:name                 -> body { payload, extension } -> ResolverResponse JSON (HTTP 200)
 * Without the trailing slash, redirect to it: relative asset URLs would otherwise resolve one level up.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const BRIDGE_SHIM_URL = '/__local/bridge-shim.js';
export const BRIDGE_SHIM_PATH = path.join(__dirname, 'bridge-shim.js');
export const SETTINGS_BUILD_DIR = path.resolve(__dirname, '../../../../static/settings/build');

export function readBridgeShim(): string {
  return readFileSync(BRIDGE_SHIM_PATH, 'utf8');
}

/**
 * Puts a classic (blocking) `<script src>` for the shim first in <head>. Vite emits the bundle as a
 * module script, which runs after parsing, so the shim's `window.__bridge` exists before
 * @forge/bridge reads it at module load. Idempotent.
 */
export function injectBridgeShim(indexHtml: string, shimUrl: string = BRIDGE_SHIM_URL): string {
  const tag = `<script src="${shimUrl}"></script>`;
  if (indexHtml.includes(tag)) return indexHtml;
  const head = /<head(\s[^>]*)?>/i.exec(indexHtml);
  if (head) {
    const at = head.index + head[0].length;
    return `${indexHtml.slice(0, at)}\n    ${tag}${indexHtml.slice(at)}`;
  }
  const firstScript = indexHtml.search(/<script\b/i);
  if (firstScript >= 0) return `${indexHtml.slice(0, firstScript)}${tag}\n${indexHtml.slice(firstScript)}`;
  return `${tag}\n${indexHtml}`;
}
