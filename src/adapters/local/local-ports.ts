/**
 * Ports the local runtime needs besides storage, queue and HTTP: no Atlassian account, so no
 * Bitbucket REST calls as the app (alerts go out with what the payload carries), and the person at
 * the browser is the local administrator. Bind to 127.0.0.1 (the default) unless a proxy in front
 * authenticates people.
 */
import type { AccessChecker, BitbucketApi, Clock, Logger } from '../../core/ports';

export const offlineBitbucket: BitbucketApi = {
  getRepository: async () => null,
  getCommit: async () => null,
  listBranches: async () => [],
  listRecentPipelines: async () => [],
  getFailedStep: async () => null,
  getFailedStepDetails: async () => null,
  getPipeline: async () => null,
  getStepLogTail: async () => null,
};

export const LOCAL_ADMIN = 'local-admin';

/** The local operator administers everything; anyone else (a different account id) nothing. */
export const localAccess: AccessChecker = {
  canAdminRepository: async (caller) => caller.accountId === LOCAL_ADMIN,
  canAdminWorkspace: async (caller) => caller.accountId === LOCAL_ADMIN,
};

export const systemClock: Clock = { now: () => Date.now() };

export const asLogger = (pino: Logger): Logger => pino;
