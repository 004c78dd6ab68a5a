/**
 * Field sizes are capped where events are normalised (core/events/common.ts FIELD_CAPS), for every
 * source: real fixtures with one field blown up to 200 KB normalise to small events.
 */
import { normalize } from '../../../src/core/events';
import { capEventFields, capText, FIELD_CAPS } from '../../../src/core/events/common';
import type { RepoEvent } from '../../../src/core/events/repo-event';
import { loadFixture } from '../../helpers/fixtures';

const HUGE = 200 * 1024;
const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

function normalizeOne(body: unknown, headers: Record<string, string> = {}): RepoEvent {
  const result = normalize({ body, headers });
  if (!result.ok) throw new Error(result.error.message);
  if (Array.isArray(result.value) || 'ignored' in result.value) throw new Error('expected one event');
  return result.value;
}

describe('capText', () => {
  it('keeps short text and cuts long text to the cap, ending in an ellipsis', () => {
    expect(capText('main', 10)).toBe('main');
    const cut = capText('x'.repeat(5000), 1024);
    expect(cut).toHaveLength(1024);
    expect(cut.endsWith('…')).toBe(true);
  });

  it('never splits a surrogate pair', () => {
    const cut = capText('a' + '😀'.repeat(100), 10);
    expect(cut.length).toBeLessThanOrEqual(10);
    expect(() => encodeURIComponent(cut)).not.toThrow(); // a lone surrogate throws URIError
  });
});

describe('capEventFields', () => {
  it('returns an event within the caps unchanged (same object)', () => {
    const event = normalizeOne(loadFixture('forge-build-status-created-failed.atlassian-docs.json'));
    expect(capEventFields(event)).toBe(event);
  });

  it('cuts names and keys, commit messages and ids to their caps, and drops over-long URLs', () => {
    const capped = capEventFields({
      build: { key: 'k'.repeat(HUGE), name: 'n'.repeat(HUGE), commitMessage: 'm'.repeat(HUGE), commit: 'c'.repeat(HUGE), url: `https://x.example/${'u'.repeat(HUGE)}` },
      push: { changes: [{ name: 'b'.repeat(HUGE), before: null }] },
    });
    expect(capped.build.key).toHaveLength(FIELD_CAPS.text);
    expect(capped.build.name).toHaveLength(FIELD_CAPS.text);
    expect(capped.build.commitMessage).toHaveLength(FIELD_CAPS.commitMessage);
    expect(capped.build.commit).toHaveLength(FIELD_CAPS.id);
    expect(capped.build.url).toBeNull();
    expect(capped.push.changes[0]!.name).toHaveLength(FIELD_CAPS.text);
    expect(capped.push.changes[0]!.before).toBeNull();
  });
});

describe('hostile payloads: one real fixture field blown up to 200 KB', () => {
  it.each([
    ['Forge build status key', () => {
      const body = loadFixture<any>('forge-build-status-created-failed.atlassian-docs.json');
      body.buildStatus.key = 'k'.repeat(HUGE);
      return { body };
    }],
    ['Forge build status url', () => {
      const body = loadFixture<any>('forge-build-status-created-failed.atlassian-docs.json');
      body.buildStatus.url = `https://ci.example.com/${'u'.repeat(HUGE)}`;
      return { body };
    }],
    ['Forge branch name', () => {
      const body = loadFixture<any>('forge-build-status-created-failed.atlassian-docs.json');
      body.buildStatus.refName = 'r'.repeat(HUGE);
      return { body };
    }],
    ['Cloud commit status name and description', () => {
      const body = loadFixture<any>('cloud-commit-status-updated-successful.drone-go-scm.json');
      body.commit_status.name = 'n'.repeat(HUGE);
      body.commit_status.description = 'd'.repeat(HUGE);
      return { body, headers: { 'X-Event-Key': 'repo:commit_status_updated' } };
    }],
    ['Cloud pull request title', () => {
      const body = loadFixture<any>('cloud-pr-created.drone-go-scm.json');
      body.pullrequest.title = 't'.repeat(HUGE);
      return { body, headers: { 'X-Event-Key': 'pullrequest:created' } };
    }],
    ['Forge repository full name', () => {
      const body = loadFixture<any>('forge-build-status-created-failed.atlassian-docs.json');
      body.repository.fullName = `acme/${'s'.repeat(HUGE)}`;
      return { body };
    }],
  ])('%s: the normalized event stays small', (_label, make) => {
    const { body, headers } = make() as { body: unknown; headers?: Record<string, string> };
    expect(bytes(body)).toBeGreaterThan(HUGE);
    const event = normalizeOne(body, headers);
    expect(bytes(event)).toBeLessThan(8 * 1024);
  });
});
