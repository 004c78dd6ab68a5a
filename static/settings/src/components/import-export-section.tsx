import { useState, type ChangeEvent } from 'react';
import Button from '@atlaskit/button/default/button';
import TextArea from '@atlaskit/textarea';
import { token } from '@atlaskit/tokens';
import SectionMessage from './section-message';
import type { FieldErrorDto, ResolverResponse, SettingsView } from '../api';
import { fieldErrorsOf } from '../api';
import { FieldRow } from './field';
import { Section, subtleText } from './ui';

interface Props {
  exportRules(): Promise<ResolverResponse<{ yaml: string }>>;
  importRules(yaml: string): Promise<ResolverResponse<SettingsView>>;
  onImported(view: SettingsView): void;
}

export function ImportExportSection(props: Props) {
  const [exported, setExported] = useState<string | null>(null);
  const [text, setText] = useState('');
  const [errors, setErrors] = useState<{ message: string; fields: FieldErrorDto[] } | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  async function doExport() {
    const res = await props.exportRules();
    if (res.ok) setExported(res.data.yaml);
    else setErrors({ message: res.error.message, fields: [] });
  }

  async function doImport() {
    setDone(false);
    if (!text.trim()) {
      setErrors({ message: 'Paste a rules file or choose one first.', fields: [] });
      return;
    }
    setBusy(true);
    const res = await props.importRules(text);
    setBusy(false);
    if (res.ok) {
      setErrors(null);
      setDone(true);
      props.onImported(res.data);
    } else setErrors({ message: res.error.message, fields: fieldErrorsOf(res.error) });
  }

  async function onFile(e: ChangeEvent<HTMLInputElement>) {
    const file = e.currentTarget.files?.[0];
    if (file) setText(await file.text());
  }

  const downloadHref = exported !== null ? `data:text/yaml;charset=utf-8,${encodeURIComponent(exported)}` : null;

  return (
    <Section id="rules-file" title="Rules file" description="Export the rules as YAML to review or keep in version control; import a file to replace them.">
      <div style={{ display: 'flex', gap: token('space.100') }}>
        <Button onClick={() => void doExport()}>Export rules</Button>
        {downloadHref ? (
          <a href={downloadHref} download="build-alerts.yml" style={{ alignSelf: 'center' }}>
            Download build-alerts.yml
          </a>
        ) : null}
      </div>
      {exported !== null ? (
        <FieldRow id="export-yaml" label="Exported rules (YAML)">
          <TextArea id="export-yaml" value={exported} isReadOnly isMonospaced minimumRows={6} resize="vertical" />
        </FieldRow>
      ) : null}
      <FieldRow id="import-yaml" label="Rules to import (YAML)" helper="Replaces this repository's rules and channels references. Channel secrets are not part of the file.">
        <TextArea
          id="import-yaml"
          value={text}
          isMonospaced
          minimumRows={6}
          resize="vertical"
          isInvalid={Boolean(errors?.fields.length)}
          aria-describedby={errors ? 'import-errors' : 'import-yaml-helper'}
          onChange={(e) => setText(e.currentTarget.value)}
        />
      </FieldRow>
      <div style={{ display: 'flex', gap: token('space.150'), alignItems: 'center', marginTop: token('space.100'), flexWrap: 'wrap' }}>
        <label htmlFor="import-file" style={subtleText}>
          Or choose a file:{' '}
        </label>
        <input id="import-file" type="file" accept=".yml,.yaml,text/yaml,text/plain" onChange={(e) => void onFile(e)} />
        <Button onClick={() => void doImport()} isLoading={busy}>
          Import rules
        </Button>
      </div>
      {errors ? (
        <div id="import-errors" role="alert" style={{ marginTop: token('space.150') }}>
          <SectionMessage appearance="error" title="Not imported">
            <p>{errors.message}</p>
            {errors.fields.length ? (
              <ul aria-label="Problems in the rules file">
                {errors.fields.map((f, i) => (
                  <li key={i}>
                    {f.line ? `Line ${f.line}${f.column ? `, column ${f.column}` : ''}: ` : ''}
                    {f.path ? <code>{f.path}</code> : null}
                    {f.path ? ' ' : ''}
                    {f.message}
                  </li>
                ))}
              </ul>
            ) : null}
          </SectionMessage>
        </div>
      ) : null}
      {done ? (
        <div role="status" style={{ marginTop: token('space.150') }}>
          <SectionMessage appearance="success" title="Rules imported">
            <p>The page now shows the imported rules.</p>
          </SectionMessage>
        </div>
      ) : null}
    </Section>
  );
}
