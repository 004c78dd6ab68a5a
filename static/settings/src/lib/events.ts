import type { RuleEventDto } from '../api';

/** How the page names each rule event (rule list summaries and the rule form's checkboxes). */
export const EVENT_LABELS: Record<RuleEventDto, string> = {
  failed: 'Build failed',
  'still-failing': 'Still failing (reminders)',
  fixed: 'Build fixed',
  stopped: 'Build stopped',
  started: 'Build started',
  'deployment-failed': 'Deployment failed',
  'deployment-fixed': 'Deployment fixed',
  push: 'Push',
  tag: 'Tag created',
  'pr-opened': 'Pull request opened',
  'pr-merged': 'Pull request merged',
  'pr-declined': 'Pull request declined',
};
