import type { DeliveryLogEntry } from '../api';
import type { LozengeAppearance as Appearance } from './lozenge';

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
