/** Reads the egress allow-list from manifest.yml, so the local runtime refuses what Forge would. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import YAML from 'yaml';

export const REPO_ROOT = resolve(__dirname, '../../..');

export function manifestEgressHosts(manifestPath = resolve(REPO_ROOT, 'manifest.yml')): string[] {
  const manifest = YAML.parse(readFileSync(manifestPath, 'utf8')) as {
    permissions?: { external?: { fetch?: { backend?: (string | { address?: string })[] } } };
  };
  const backend = manifest.permissions?.external?.fetch?.backend ?? [];
  return backend
    .map((entry) => (typeof entry === 'string' ? entry : entry.address ?? ''))
    .map((address) => address.replace(/^https?:\/\//, '').replace(/[/:].*$/, '').toLowerCase())
    .filter(Boolean);
}

/**
 * Self-hosted teams call their own hosts (generic webhooks, their Mattermost server) without editing
 * manifest.yml: BUILD_ALERTS_EGRESS_HOSTS="hooks.example.com,*.corp.example". Undeclared hosts are
 * refused otherwise, as on Forge.
 */
export function extraEgressHosts(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.BUILD_ALERTS_EGRESS_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => /^(\*\.)?[a-z0-9.-]+$/.test(h));
}
