import { existsSync } from 'node:fs';
import type { AppDeps } from '../app/app-types';
import { localAccess, offlineBitbucket, systemClock } from '../adapters/local/local-ports';
import { extraEgressHosts, manifestEgressHosts } from '../adapters/local/manifest-egress';
import { openLocalStore } from '../adapters/local/store/lmdb-store';
import { CliError } from './cli-support';

const quietLog = { debug() {}, info() {}, warn() {}, error() {} };

/** Store-backed deps for offline commands (rules import/export); nothing is sent anywhere. */
export async function openCliDeps(dataDir: string, mustExist = false): Promise<{ deps: AppDeps; close(): Promise<void> }> {
  if (mustExist && !existsSync(dataDir)) throw new CliError(`data dir "${dataDir}" does not exist`);
  let store;
  try {
    store = openLocalStore(dataDir);
  } catch (e) {
    throw new CliError(`cannot open the store in "${dataDir}": ${(e as Error).message.split('\n')[0]}`);
  }
  const egress = {
    allowedHosts: [...manifestEgressHosts(), ...extraEgressHosts()],
    allowLoopback: true,
    allowPrivate: process.env.BUILD_ALERTS_ALLOW_PRIVATE_EGRESS === '1',
    undeclaredHint: 'self-hosted: add it to BUILD_ALERTS_EGRESS_HOSTS (comma-separated hosts or *.domain patterns)',
  };
  const deps: AppDeps = {
    store,
    secrets: store,
    queue: { push: async () => { throw new CliError('offline command cannot queue work'); } },
    http: { send: async () => ({ ok: false, failure: { kind: 'network', message: 'offline' }, latencyMs: 0 }) },
    clock: systemClock,
    log: quietLog,
    bitbucket: offlineBitbucket,
    access: localAccess,
    egress,
    runtime: 'local',
  };
  return { deps, close: () => store.close() };
}
