import type { DeliveryLogEntry } from '../api';

type Appearance = 'success' | 'inprogress' | 'removed' | 'moved' | 'default' | 'new';

export function outcomeAppearance(outcome: DeliveryLogEntry['outcome']): Appearance {
  switch (outcome) {
    case 'delivered':
      return 'success';
    case 'retrying':
      return 'inprogress';
    case 'failed':
      return 'removed';
    case 'disabled':
      return 'moved';
    case 'skipped':
      return 'default';
  }
}
