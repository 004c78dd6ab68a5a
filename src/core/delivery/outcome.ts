/** What a channel makes of a vendor's answer (alertmanager-style: retry or not, and why). */
export type DeliveryOutcome =
  | { kind: 'delivered'; /** Vendor data kept per incident, e.g. a Discord message id to edit on recovery. */ memo?: Record<string, string> }
  | { kind: 'retry'; reason: string; /** From Retry-After / retry_after, when the vendor says. */ afterMs?: number }
  /** `forget`: memo keys that point at something gone (Discord 10008: the message was deleted); the pipeline drops them and builds the request once more. */
  | { kind: 'failed'; reason: string; forget?: string[] }
  | { kind: 'disable'; reason: string };
