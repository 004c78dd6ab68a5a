import type { FieldErrorDto } from '../api';

/** Field name → message for one form. */
export type FieldMessages = Record<string, string>;

/**
 * Maps server error paths onto the fields of one form. `prefix` selects the object the form edits
 * (`rules[2]` for the third rule of a saveRules call, '' for single-object calls such as saveChannel
 * whose paths are `url`, `name`, or `channel.url`). The field is the first segment after the prefix:
 * `rules[1].on[0]` → `on`, `quietHours.timezone` → `quietHours.timezone` is kept whole too so a form
 * can show it on the precise control. Unmatched errors come back under `_form`.
 */
export function fieldMessages(errors: readonly FieldErrorDto[], prefix: string, knownFields: readonly string[]): FieldMessages {
  const out: FieldMessages = {};
  for (const e of errors) {
    let path = e.path;
    if (prefix) {
      if (path === prefix) path = '';
      else if (path.startsWith(prefix + '.')) path = path.slice(prefix.length + 1);
      else continue;
    } else {
      path = path.replace(/^(channel|channels\[\d+\])\./, '');
    }
    const whole = path.replace(/\[\d+\]/g, '');
    const first = whole.split('.')[0] ?? '';
    const field = knownFields.includes(whole) ? whole : knownFields.includes(first) ? first : '_form';
    const text = e.line ? `${e.message} (line ${e.line})` : e.message;
    out[field] = out[field] ? `${out[field]} ${text}` : text;
  }
  return out;
}

/** The errors of a list call (saveRules) that belong to no single item, or to an item not being edited. */
export function listLevelErrors(errors: readonly FieldErrorDto[]): string[] {
  return errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
}
