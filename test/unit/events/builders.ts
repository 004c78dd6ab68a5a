/** Payload builders derived from the real fixtures: change one thing, keep the real shape. */
import { loadFixture } from '../../helpers/fixtures';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const cloudHeaders = (key: string, extra: Record<string, string> = {}) => ({ 'X-Event-Key': key, ...extra });
export const dcHeaders = (key: string) => ({ 'X-Event-Key': key, 'X-Request-Id': '00000000-0000-4000-8000-000000000001' });
export const pluginHeaders = (key: string) => ({ 'X-Event-Key': key, 'X-Bitbucket-Type': 'server' });

/** The real Pipelines-generated INPROGRESS commit-status webhook, with `commit_status` fields overridden. */
export function aCloudCommitStatus(status: Json = {}): Json {
  const body = loadFixture<Json>('cloud-commit-status-created-inprogress.drone-go-scm.json');
  body.commit_status = { ...body.commit_status, ...status };
  return body;
}

export function aCloudPullRequestEvent(extra: Json = {}): Json {
  return { ...loadFixture<Json>('cloud-pr-created.drone-go-scm.json'), ...extra };
}

export function aDcPullRequestEvent(eventKey: string, extra: Json = {}): Json {
  return { ...loadFixture<Json>('server-pr-opened.drone-go-scm.json'), eventKey, ...extra };
}

export function aForgeBuildStatus(eventType: string, buildStatus: Json = {}, extra: Json = {}): Json {
  const body = loadFixture<Json>('forge-build-status-created-failed.atlassian-docs.json');
  return { ...body, eventType, buildStatus: { ...body.buildStatus, ...buildStatus }, ...extra };
}

export function aForgeDeployment(eventType: string, deployment: Json = {}): Json {
  const body = loadFixture<Json>('forge-started-deployment.atlassian-docs.json');
  return { ...body, eventType, deployment: { ...body.deployment, ...deployment } };
}

/** The real failed pipeline from the Pipelines API, with its `state` replaced. */
export function aPipeline(state: Json, extra: Json = {}): Json {
  return { ...loadFixture<Json>('pipelines-api-pipeline-failed-instant.apache-devlake.json'), state, ...extra };
}

export function aDeployment(state: Json): Json {
  return { ...loadFixture<Json>('pipelines-api-deployment-completed-production.apache-devlake.json'), state };
}
