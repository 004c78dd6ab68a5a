import { useEffect, useRef, useState, type FormEvent } from 'react';
import Button from '@atlaskit/button/default/button';
import Textfield from '@atlaskit/textfield';
import { token } from '@atlaskit/tokens';
import { handleProblem, isPersonKey, MENTION_TARGETS, type MentionTarget } from '../../../../src/core/people';
import type { FieldErrorDto, MentionsDto, ResolverResponse } from '../api';
import { fieldErrorsOf } from '../api';
import { describedBy, FieldRow } from './field';
import SectionMessage from './section-message';
import { Card, ErrorBanner, formActions, Section, subtleText } from './ui';

export type SaveMentionsFn = (mentions: MentionsDto) => Promise<ResolverResponse<{ mentions: MentionsDto }>>;

/** Per chat tool: the field's label (the accessible name adds "for <person>") and an example value. */
export const TOOL_FIELDS: Record<MentionTarget, { label: string; placeholder: string }> = {
  slack: { label: 'Slack user id', placeholder: 'U024BE7LH' },
  teams: { label: 'Teams UPN or AAD id', placeholder: 'jane@acme.example' },
  discord: { label: 'Discord user id', placeholder: '80351110224678912' },
  'google-chat': { label: 'Google Chat user', placeholder: 'users/123456789012345678901' },
  mattermost: { label: 'Mattermost username', placeholder: 'jane.doe' },
};

type Handles = Record<MentionTarget, string>;
interface Row {
  id: number;
  key: string;
  handles: Handles;
}
/** Messages for one row: `key` for the person, or a tool name. */
type RowErrors = Partial<Record<'key' | MentionTarget, string>>;

const emptyHandles = (): Handles => Object.fromEntries(MENTION_TARGETS.map((t) => [t, ''])) as Handles;

let nextRowId = 1;
function rowsOf(map: MentionsDto): Row[] {
  return Object.entries(map).map(([key, entry]) => {
    const handles = emptyHandles();
    for (const t of MENTION_TARGETS) handles[t] = entry?.[t] ?? '';
    return { id: nextRowId++, key, handles };
  });
}

const normalKey = (key: string) => key.trim().toLowerCase().replace(/^\{(.*)\}$/, '$1');

/** The browser's checks (the server checks again with the same rules): row id → messages. */
function localProblems(rows: readonly Row[]): Map<number, RowErrors> {
  const out = new Map<number, RowErrors>();
  const seen = new Map<string, string>();
  for (const row of rows) {
    const errors: RowErrors = {};
    const key = row.key.trim();
    if (!key) errors.key = 'Enter the person’s e-mail address, Atlassian account id or Bitbucket user uuid.';
    else if (!isPersonKey(key)) errors.key = 'Expected an e-mail address, an Atlassian account id (such as "557058:0f1e2d3c-…" or 24 hex digits) or a Bitbucket user uuid.';
    else {
      const first = seen.get(normalKey(key));
      if (first !== undefined) errors.key = `The same person as "${first}"; keep one entry.`;
      else seen.set(normalKey(key), key);
    }
    let any = false;
    for (const t of MENTION_TARGETS) {
      const v = row.handles[t].trim();
      if (!v) continue;
      any = true;
      const problem = handleProblem(t, v);
      if (problem) errors[t] = problem.charAt(0).toUpperCase() + problem.slice(1) + '.';
    }
    if (!any && !errors.key) errors.key = 'Give at least one chat handle for this person.';
    if (Object.keys(errors).length) out.set(row.id, errors);
  }
  return out;
}

function payloadOf(rows: readonly Row[]): MentionsDto {
  const map: MentionsDto = {};
  for (const row of rows) {
    const entry: MentionsDto[string] = {};
    for (const t of MENTION_TARGETS) {
      const v = row.handles[t].trim();
      if (v) entry[t] = v;
    }
    map[row.key.trim()] = entry;
  }
  return map;
}

/**
 * Puts the server's `mentions.<key>` and `mentions.<key>.<tool>` errors on the rows they name (keys
 * may hold dots, so paths are matched against the keys sent). The rest come back as banner lines.
 */
function serverProblems(rows: readonly Row[], fields: readonly FieldErrorDto[]): { byRow: Map<number, RowErrors>; other: string[] } {
  const byRow = new Map<number, RowErrors>();
  const other: string[] = [];
  const add = (id: number, field: 'key' | MentionTarget, message: string) => {
    const errors = byRow.get(id) ?? {};
    errors[field] = errors[field] ? `${errors[field]} ${message}` : message;
    byRow.set(id, errors);
  };
  for (const f of fields) {
    const rest = f.path.startsWith('mentions.') ? f.path.slice('mentions.'.length) : null;
    let placed = false;
    if (rest !== null) {
      for (const row of rows) {
        const key = row.key.trim();
        if (rest === key) {
          add(row.id, 'key', f.message);
          placed = true;
        } else {
          const tool = MENTION_TARGETS.find((t) => rest === `${key}.${t}`);
          if (tool) {
            add(row.id, tool, f.message);
            placed = true;
          }
        }
        if (placed) break;
      }
    }
    if (!placed) other.push(f.path ? `${f.path}: ${f.message}` : f.message);
  }
  return { byRow, other };
}

/**
 * The workspace's `mentions` map: who is who in each chat tool, so that alerts mention commit
 * authors and whoever started a run for real. A repository's rules file overrides it per person.
 */
export function MentionsSection(props: { mentions: MentionsDto; save: SaveMentionsFn; onMentions(mentions: MentionsDto): void }) {
  const [rows, setRows] = useState<Row[]>(() => rowsOf(props.mentions));
  const [errors, setErrors] = useState<Map<number, RowErrors>>(new Map());
  const [banner, setBanner] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  const [saving, setSaving] = useState(false);
  const focusRow = useRef<number | null>(null);

  useEffect(() => {
    if (focusRow.current === null) return;
    document.getElementById(`mentions-${focusRow.current}-key`)?.focus();
    focusRow.current = null;
  }, [rows]);

  const edited = () => {
    setSaved(false);
  };
  const update = (id: number, change: (row: Row) => Row) => {
    edited();
    setRows((rs) => rs.map((r) => (r.id === id ? change(r) : r)));
  };
  const addRow = () => {
    edited();
    const id = nextRowId++;
    focusRow.current = id;
    setRows((rs) => [...rs, { id, key: '', handles: emptyHandles() }]);
  };
  const removeRow = (id: number) => {
    edited();
    setRows((rs) => rs.filter((r) => r.id !== id));
    setErrors((es) => {
      const next = new Map(es);
      next.delete(id);
      return next;
    });
  };

  async function submit(ev: FormEvent) {
    ev.preventDefault();
    setSaved(false);
    setBanner([]);
    const local = localProblems(rows);
    setErrors(local);
    if (local.size) return;
    setSaving(true);
    const res = await props.save(payloadOf(rows));
    setSaving(false);
    if (res.ok) {
      setRows(rowsOf(res.data.mentions));
      setErrors(new Map());
      setSaved(true);
      props.onMentions(res.data.mentions);
      return;
    }
    const { byRow, other } = serverProblems(rows, fieldErrorsOf(res.error));
    setErrors(byRow);
    setBanner(other.length || byRow.size ? other : [res.error.message]);
  }

  return (
    <Section
      id="mentions"
      title="People to mention"
      description="Commit authors and who started a run become real mentions in each chat tool; repositories' own rules files override them per person."
    >
      <form onSubmit={submit} noValidate aria-label="People to mention">
        {rows.length === 0 ? <p style={{ ...subtleText, marginTop: 0 }}>No one yet: alerts name people in plain text.</p> : null}
        {rows.map((row, i) => {
          const person = row.key.trim() || `person ${i + 1}`;
          const rowErrors = errors.get(row.id) ?? {};
          const keyId = `mentions-${row.id}-key`;
          return (
            <Card key={row.id} label={`Chat handles of ${person}`}>
              <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: token('space.100') }}>
                <strong style={{ overflowWrap: 'anywhere' }}>{row.key.trim() || `New person ${i + 1}`}</strong>
                <Button appearance="subtle" aria-label={`Remove ${person}`} onClick={() => removeRow(row.id)}>
                  Remove
                </Button>
              </div>
              <FieldRow id={keyId} label="Person" required helper="E-mail address, Atlassian account id or Bitbucket user uuid" error={rowErrors.key}>
                <Textfield
                  id={keyId}
                  aria-label={`Person ${i + 1}`}
                  value={row.key}
                  isRequired
                  isInvalid={Boolean(rowErrors.key)}
                  aria-describedby={describedBy(keyId, rowErrors.key, true)}
                  placeholder="jane@acme.example"
                  spellCheck={false}
                  autoComplete="off"
                  onChange={(e) => {
                    const key = e.currentTarget.value;
                    update(row.id, (r) => ({ ...r, key }));
                  }}
                />
              </FieldRow>
              <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(180px, 1fr))', columnGap: token('space.150') }}>
                {MENTION_TARGETS.map((t) => {
                  const id = `mentions-${row.id}-${t}`;
                  return (
                    <FieldRow key={t} id={id} label={TOOL_FIELDS[t].label} error={rowErrors[t]}>
                      <Textfield
                        id={id}
                        aria-label={`${TOOL_FIELDS[t].label} for ${person}`}
                        value={row.handles[t]}
                        placeholder={TOOL_FIELDS[t].placeholder}
                        isInvalid={Boolean(rowErrors[t])}
                        aria-describedby={describedBy(id, rowErrors[t], false)}
                        spellCheck={false}
                        autoComplete="off"
                        onChange={(e) => {
                          const value = e.currentTarget.value;
                          update(row.id, (r) => ({ ...r, handles: { ...r.handles, [t]: value } }));
                        }}
                      />
                    </FieldRow>
                  );
                })}
              </div>
            </Card>
          );
        })}
        <div style={formActions}>
          <Button onClick={addRow}>Add a person</Button>
          <Button type="submit" appearance="primary" isDisabled={saving}>
            Save people
          </Button>
        </div>
      </form>
      <ErrorBanner messages={banner} />
      {saved ? (
        <div role="status" style={{ marginTop: token('space.150') }}>
          <SectionMessage appearance="success" title="People saved">
            <p>{rows.length ? 'Alerts now mention these people by their handles.' : 'No one is mentioned by handle now: alerts name people in plain text.'}</p>
          </SectionMessage>
        </div>
      ) : null}
    </Section>
  );
}
