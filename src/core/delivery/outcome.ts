/** What a channel makes of a vendor's answer (alertmanager-style: retry or not, and why). */
export type DeliveryOutcome =
  | { kind: 'delivered'; /** Vendor data kept per incident, e.g. a Discord message id to edit on recovery. */ memo?: Record<string, string> }
  | { kind: 'retry'; reason: string; /** From Retry-After / retry_after, when the vendor says. */ afterMs?: number }
  | { kind: 'failed'; reason: string }
  | { kind: 'disable'; reason: string };
