import { normalize, pipelineBuildState, type RepoEvent } from '../../../src/core/events';
import { loadFixture } from '../../helpers/fixtures';
import { aDeployment, aPipeline } from './builders';

function event(body: unknown): RepoEvent {
  const r = normalize({ body });
  if (!r.ok) throw new Error(r.error.message);
  if (Array.isArray(r.value) || 'ignored' in r.value) throw new Error(`not a single event: ${JSON.stringify(r.value)}`);
  return r.value;
}

const completed = (result: string) => ({ name: 'COMPLETED', type: 'pipeline_state_completed', result: { name: result, type: `pipeline_state_completed_${result.toLowerCase()}` } });
const inProgress = (stage: string) => ({ name: 'IN_PROGRESS', type: 'pipeline_state_in_progress', stage: { name: stage, type: `pipeline_state_in_progress_${stage.toLowerCase()}` } });

describe('Pipelines API pipeline state mapping', () => {
  it.each([
    [completed('SUCCESSFUL'), 'SUCCESSFUL'],
    [completed('FAILED'), 'FAILED'],
    [completed('ERROR'), 'FAILED'],
    [completed('STOPPED'), 'STOPPED'],
    [completed('EXPIRED'), 'STOPPED'],
    [{ name: 'PENDING', type: 'pipeline_state_pending' }, 'INPROGRESS'],
    [inProgress('RUNNING'), 'INPROGRESS'],
    [inProgress('PAUSED'), 'INPROGRESS'],
    [inProgress('HALTED'), 'INPROGRESS'],
    [{ type: 'pipeline_state_completed', result: { type: 'pipeline_state_completed_failed' } }, 'FAILED'],
  ])('%j → %s', (state, expected) => {
    expect(pipelineBuildState(state)).toBe(expected);
    expect(event(aPipeline(state)).build?.state).toBe(expected);
  });

  it('errors on a COMPLETED pipeline without a known result', () => {
    expect(normalize({ body: aPipeline({ name: 'COMPLETED' }) })).toEqual({
      ok: false,
      error: { message: 'pipelines-api pipeline: body.state "COMPLETED" is not a known state' },
    });
  });
});

describe('Pipelines API pipeline fields', () => {
  it('uses build_number and the repository links for number and url; the creator is the actor', () => {
    const e = event(
      aPipeline(completed('FAILED'), {
        build_number: 186,
        repository: {
          type: 'repository',
          full_name: 'likyh/likyhphp',
          uuid: '{9988e380-f77d-40f0-974f-626252e7b941}',
          links: { html: { href: 'https://bitbucket.org/likyh/likyhphp' } },
        },
        creator: { display_name: 'Li', uuid: '{11111111-0000-4000-8000-000000000000}' },
      }),
    );
    expect(e).toMatchObject({
      repository: { uuid: '{9988e380-f77d-40f0-974f-626252e7b941}', fullName: 'likyh/likyhphp', slug: 'likyhphp' },
      actor: { name: 'Li' },
      build: { key: null, number: 186, url: 'https://bitbucket.org/likyh/likyhphp/pipelines/results/186', ref: '0.5-alpha' },
    });
  });

  it('falls back to created_on when the pipeline has not completed', () => {
    expect(event(loadFixture('pipelines-api-pipeline-in-progress-halted.apache-devlake.json')).occurredAt).toBe('2023-02-20T09:29:44.212Z');
  });
});

describe('Pipelines API deployments', () => {
  it.each([
    [{ name: 'COMPLETED', status: { name: 'FAILED' } }, 'FAILED'],
    [{ name: 'COMPLETED', status: { name: 'STOPPED' } }, 'STOPPED'],
    [{ name: 'IN_PROGRESS' }, 'STARTED'],
    [{ name: 'PENDING' }, 'PENDING'],
  ])('%j → %s', (state, expected) => {
    expect(event(aDeployment(state)).deployment?.state).toBe(expected);
  });
});

describe('Pipelines API lists', () => {
  it('returns RepoEvent[] in order and leaves out ignored items', () => {
    const pipeline = loadFixture('pipelines-api-pipeline-successful.apache-devlake.json');
    const undeployed = loadFixture('pipelines-api-deployment-undeployed.apache-devlake.json');
    const deployed = loadFixture('pipelines-api-deployment-completed-production.apache-devlake.json');
    const r = normalize({ body: { pagelen: 10, page: 1, values: [pipeline, undeployed, deployed] } });
    expect(r.ok).toBe(true);
    const events = r.ok ? (r.value as RepoEvent[]) : [];
    expect(events.map((e) => e.kind)).toEqual(['build', 'deployment']);
  });

  it('returns an empty list for an empty page', () => {
    expect(normalize({ body: { values: [] } })).toEqual({ ok: true, value: [] });
  });

  it('fails the whole list on one bad item, naming it', () => {
    const pipeline = loadFixture('pipelines-api-pipeline-successful.apache-devlake.json');
    expect(normalize({ body: { values: [pipeline, { type: 'pipeline' }] } })).toEqual({
      ok: false,
      error: { message: 'pipelines-api pipeline: body.values[1].state is missing' },
    });
    expect(normalize({ body: { values: [pipeline, 'x'] } })).toEqual({
      ok: false,
      error: { message: 'pipelines-api object: body.values[1] must be an object, got string' },
    });
  });
});

describe('Pipelines API objects it cannot use', () => {
  it('reports a Bitbucket API error object', () => {
    expect(normalize({ body: { type: 'error', error: { message: 'Repository not found' } } })).toEqual({
      ok: false,
      error: { message: 'pipelines-api: body is a Bitbucket API error: Repository not found' },
    });
  });

  it('rejects a pipeline whose repository cannot be found anywhere', () => {
    const body = aPipeline(completed('FAILED'));
    delete body.links;
    expect(normalize({ body })).toEqual({
      ok: false,
      error: { message: 'pipelines-api pipeline: body.repository is missing and links.self names no repository' },
    });
  });
});
