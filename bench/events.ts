/**
 * Real-shaped Forge events for the benchmark, derived from the documented payloads in
 * test/fixtures/shared/forge-*.json (only ids, states, times, refs and hashes change).
 *
 * Every repository gets events round-robin (event i goes to repository i % repos), so two events of
 * one repository are `repos` positions apart and never in flight together under the load generator:
 * the app sees each repository's events in order, as Bitbucket would send them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../test/helpers/prng';

export const REPO_ROOT = join(__dirname, '..');
const fixture = (name: string): Record<string, any> =>
  JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/shared', name), 'utf8')) as Record<string, any>;

const BUILD = fixture('forge-build-status-created-failed.atlassian-docs.json');
const PUSH = fixture('forge-push-repository-branch.atlassian-docs.json');
const PR_CREATED = fixture('forge-created-pullrequest.atlassian-docs.json');
const PR_UPDATED = fixture('forge-updated-pullrequest.atlassian-docs.json');
const DEPLOY_STARTED = fixture('forge-started-deployment.atlassian-docs.json');
const DEPLOY_PENDING = fixture('forge-pending-deployment.atlassian-docs.json');

export type EventKind =
  | 'build-alert' // FAILED / SUCCESSFUL alternating on one build key: every one raises failed or fixed
  | 'build-noop' // SUCCESSFUL after SUCCESSFUL on a second build key ("lint")
  | 'build-inprogress' // INPROGRESS: build.started, which no rule asks for
  | 'duplicate' // the exact bytes of this repository's latest build-alert event again
  | 'push'
  | 'pullrequest' // created (queued) or updated (dropped at ingest: no rule can use it)
  | 'deployment' // completed, FAILED / SUCCESSFUL alternating per environment
  | 'deployment-started'; // pending / started: dropped at ingest

export const EVENT_KINDS: readonly EventKind[] = [
  'build-alert', 'build-noop', 'build-inprogress', 'duplicate', 'push', 'pullrequest', 'deployment', 'deployment-started',
];

/** Share of each kind in the mixed load (percent). */
export const MIX: Readonly<Record<EventKind, number>> = {
  'build-alert': 35,
  'build-noop': 5,
  'build-inprogress': 15,
  duplicate: 10,
  push: 12,
  pullrequest: 10,
  deployment: 8,
  'deployment-started': 5,
};

export interface BenchEvent {
  kind: EventKind;
  repoUuid: string;
  body: Buffer;
  /** `<repository uuid>|<commit>` when this event must raise an alert the sink will receive. */
  alertKey: string | null;
}

export const BRANCHES = ['main', 'develop', 'feature/bench-cache'] as const;
export const WORKSPACE_UUID: string = BUILD.workspace.uuid;
const BASE_TIME = Date.parse('2025-02-01T00:00:00.000Z');

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0').slice(-width);
export const repoUuid = (i: number): string => `{0b5e7c1a-0000-4000-8000-${hex(i, 12)}}`;
const commitFor = (seq: number, salt: number): string => `${hex(salt, 8)}${hex(seq, 8)}${'c0ffee'.repeat(4)}`.slice(0, 40);


interface RepoState {
  builds: Map<string, 'FAILED' | 'SUCCESSFUL'>;
  deploy: 'FAILED' | 'SUCCESSFUL' | null;
  lastAlertBody: Buffer | null;
  branchTurn: number;
  pr: number;
}

export class EventStream {
  private seq = 0;
  private readonly random: () => number;
  private readonly repos: RepoState[];
  private readonly cumulative: [EventKind, number][];

  constructor(readonly repoCount: number, seed = 42, mix: Partial<Record<EventKind, number>> = MIX) {
    this.random = seededRandom(seed);
    this.repos = Array.from({ length: repoCount }, () => ({ builds: new Map(), deploy: null, lastAlertBody: null, branchTurn: 0, pr: 0 }));
    let sum = 0;
    const total = Object.values(mix).reduce((a, b) => a + (b ?? 0), 0);
    this.cumulative = EVENT_KINDS.filter((k) => (mix[k] ?? 0) > 0).map((k) => [k, (sum += (mix[k] ?? 0) / total)] as [EventKind, number]);
  }

  /** The next event of the mix (or of the given kind). */
  next(kind?: EventKind): BenchEvent {
    const seq = this.seq++;
    const repoIndex = seq % this.repoCount;
    const wanted = kind ?? this.pickKind();
    return this.make(wanted, seq, repoIndex);
  }

  take(count: number, kind?: EventKind): BenchEvent[] {
    return Array.from({ length: count }, () => this.next(kind));
  }

  private pickKind(): EventKind {
    const r = this.random();
    for (const [k, edge] of this.cumulative) if (r < edge) return k;
    return this.cumulative[this.cumulative.length - 1]![0];
  }

  private make(kind: EventKind, seq: number, repoIndex: number): BenchEvent {
    const repo = this.repos[repoIndex]!;
    const uuid = repoUuid(repoIndex);
    const at = new Date(BASE_TIME + seq * 1000).toISOString();
    const commit = commitFor(seq, repoIndex);
    const branch = BRANCHES[repo.branchTurn++ % BRANCHES.length]!;
    const base = { repository: { ...BUILD.repository, uuid }, workspace: BUILD.workspace, project: BUILD.project, actor: BUILD.actor };

    switch (kind) {
      case 'duplicate':
        if (repo.lastAlertBody) return { kind, repoUuid: uuid, body: repo.lastAlertBody, alertKey: null };
        return this.make('build-alert', seq, repoIndex);
      case 'build-alert':
      case 'build-noop':
      case 'build-inprogress': {
        const buildKey = kind === 'build-noop' ? 'lint' : 'my-build1';
        const memoryKey = `${branch}|${buildKey}`;
        const last = repo.builds.get(memoryKey);
        let state: string;
        if (kind === 'build-inprogress') state = 'INPROGRESS';
        else if (kind === 'build-noop') state = 'SUCCESSFUL';
        else state = last === 'FAILED' ? 'SUCCESSFUL' : 'FAILED';
        // The first SUCCESSFUL of a key is remembered (a write) but alerts nothing; FAILED always alerts here.
        const alerts = kind === 'build-alert';
        if (state !== 'INPROGRESS') repo.builds.set(memoryKey, state as 'FAILED' | 'SUCCESSFUL');
        const body = {
          ...base,
          timestamp: at,
          buildStatus: {
            ...BUILD.buildStatus,
            key: buildKey,
            state,
            url: `https://bitbucket.org/bench/repo-${repoIndex}/pipelines/results/${seq}`,
            commit: { hash: commit },
            createdOn: at,
            updatedOn: at,
            refName: branch,
          },
          eventType: last === undefined ? 'avi:bitbucket:created:build-status' : 'avi:bitbucket:updated:build-status',
        };
        const bytes = Buffer.from(JSON.stringify(body));
        if (alerts) repo.lastAlertBody = bytes;
        return { kind, repoUuid: uuid, body: bytes, alertKey: alerts ? `${uuid}|${commit}` : null };
      }
      case 'push': {
        const body = {
          ...PUSH,
          ...base,
          push: {
            ...PUSH.push,
            ref: branch,
            mainbranch: branch === 'main',
            after: commit,
            created: false,
            commits: [{ ...PUSH.push.commits[0], hash: commit, date: at }],
          },
          timestamp: at,
        };
        return { kind, repoUuid: uuid, body: Buffer.from(JSON.stringify(body)), alertKey: null };
      }
      case 'pullrequest': {
        const created = this.random() < 0.5;
        const src = created ? PR_CREATED : PR_UPDATED;
        const id = created ? ++repo.pr : Math.max(1, repo.pr);
        const body = {
          ...src,
          ...base,
          pullrequest: { ...src.pullrequest, id, source: { branch, commit: { hash: commit.slice(0, 12) } }, updatedOn: at, createdOn: at },
          timestamp: at,
        };
        return { kind, repoUuid: uuid, body: Buffer.from(JSON.stringify(body)), alertKey: null };
      }
      case 'deployment': {
        const status = repo.deploy === 'FAILED' ? 'SUCCESSFUL' : 'FAILED';
        repo.deploy = status;
        const body = {
          ...DEPLOY_STARTED,
          repository: { uuid },
          deployment: { ...DEPLOY_STARTED.deployment, uuid: `{de910000-0000-4000-8000-${hex(seq, 12)}}`, state: 'COMPLETED', status, commit: { hash: commit }, updatedTimestamp: at },
          environment: { ...DEPLOY_STARTED.environment, uuid: `{e0000000-0000-4000-8000-${hex(repoIndex, 12)}}` },
          eventType: 'avi:bitbucket:completed:deployment',
          timestamp: at,
        };
        return { kind, repoUuid: uuid, body: Buffer.from(JSON.stringify(body)), alertKey: `${uuid}|${commit}` };
      }
      case 'deployment-started': {
        const src = this.random() < 0.5 ? DEPLOY_STARTED : DEPLOY_PENDING;
        const body = { ...src, repository: { uuid }, deployment: { ...src.deployment, updatedTimestamp: at }, timestamp: at };
        return { kind, repoUuid: uuid, body: Buffer.from(JSON.stringify(body)), alertKey: null };
      }
    }
  }
}

/** The sink's key for a received webhook alert: matches `BenchEvent.alertKey`. */
export function alertKeyOf(payload: unknown): string | null {
  const p = payload as { repository?: { uuid?: string }; build?: { commit?: string }; deployment?: { commit?: string } } | null;
  const uuid = p?.repository?.uuid;
  const commit = p?.build?.commit ?? p?.deployment?.commit;
  return uuid && commit ? `${uuid}|${commit}` : null;
}
