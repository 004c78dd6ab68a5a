import { useCallback, useEffect, useMemo, useState } from 'react';
import Button from '@atlaskit/button/new';
import Heading from '@atlaskit/heading';
import SectionMessage from '@atlaskit/section-message';
import Spinner from '@atlaskit/spinner';
import { token } from '@atlaskit/tokens';
import type { ResolverError, SettingsView } from '../api';
import { invoke } from '../api';
import { BuildHealthSection } from '../components/build-health-section';
import { ChannelsSection, type ChannelOps } from '../components/channels-section';
import { DeliveryLogSection, DELIVERY_LOG_PAGE } from '../components/delivery-log-section';
import { ImportExportSection } from '../components/import-export-section';
import { RulesSection } from '../components/rules-section';
import { SnoozeSection } from '../components/snooze-section';
import { subtleText } from '../components/ui';
import { WebhookSection } from '../components/webhook-section';
import type { PreviewFn } from '../components/rule-form';

const EMPTY = {} as Record<string, never>;

export function RepoSettingsPage() {
  const [view, setView] = useState<SettingsView | null>(null);
  const [error, setError] = useState<ResolverError | null>(null);
  const [logKey, setLogKey] = useState(0);

  const load = useCallback(async () => {
    setError(null);
    const res = await invoke('getSettings', EMPTY);
    if (res.ok) setView(res.data);
    else setError(res.error);
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const channelOps: ChannelOps = useMemo(
    () => ({
      save: (channel, previousName) => invoke('saveChannel', previousName === undefined ? { channel } : { channel, previousName }),
      remove: (name) => invoke('deleteChannel', { name }),
      test: async (name) => {
        const res = await invoke('testChannel', { name });
        setLogKey((k) => k + 1);
        return res;
      },
      setEnabled: (name, enabled) => invoke('setChannelEnabled', { name, enabled }),
    }),
    [],
  );
  const preview: PreviewFn = useCallback((branches, excludeBranches) => invoke('previewBranches', { branches, excludeBranches }), []);
  const loadLog = useCallback((cursor?: string) => invoke('getDeliveryLog', cursor ? { limit: DELIVERY_LOG_PAGE, cursor } : { limit: DELIVERY_LOG_PAGE }), []);
  const redeliver = useCallback(async (id: string) => {
    const res = await invoke('redeliver', { id });
    return res;
  }, []);
  const loadHealth = useCallback(() => invoke('getBuildHealth', EMPTY), []);

  if (error && !view) return <LoadError error={error} retry={load} />;
  if (!view) return <PageSpinner label="Loading build alert settings" />;

  const patch = (p: Partial<SettingsView>) => setView((v) => (v ? { ...v, ...p } : v));
  const channelNames = view.channels.map((c) => c.name);
  const ownRuleNames = view.usingDefaults ? [] : view.rules.map((r) => r.name);

  return (
    <main style={pageStyle}>
      <header>
        <Heading size="large" as="h1">
          Build alerts
        </Heading>
        <p style={subtleText}>
          {view.repository.fullName ?? view.repository.key}: alert your team when a build fails, and again when it is fixed.
        </p>
      </header>
      <ChannelsSection
        channels={view.channels}
        types={view.channelTypes}
        ops={channelOps}
        onChannels={(channels) => patch({ channels })}
        emptyHint="Then add a rule to pick which builds alert it."
      />
      <RulesSection
        rules={view.rules}
        usingDefaults={view.usingDefaults}
        channelNames={channelNames}
        save={(rules) => invoke('saveRules', { rules })}
        onRules={(rules) => patch({ rules, usingDefaults: false })}
        preview={preview}
      />
      <SnoozeSection
        key={ownRuleNames.join('\u0000')}
        snoozes={view.snoozes}
        ruleNames={ownRuleNames}
        snooze={(s) => invoke('snooze', s)}
        unsnooze={(target) => invoke('unsnooze', { target })}
        onSnoozes={(snoozes) => patch({ snoozes })}
      />
      <BuildHealthSection load={loadHealth} />
      <DeliveryLogSection load={loadLog} redeliver={redeliver} refreshKey={logKey} />
      <WebhookSection
        webhookUrl={view.webhookUrl}
        secretSet={view.inboundSecretSet}
        setSecret={(secret) => invoke('setInboundSecret', { secret })}
        onSecretSet={(inboundSecretSet) => patch({ inboundSecretSet })}
      />
      <ImportExportSection exportRules={() => invoke('exportRules', EMPTY)} importRules={(yaml) => invoke('importRules', { yaml })} onImported={setView} />
    </main>
  );
}

export function PageSpinner(props: { label: string }) {
  return (
    <main style={{ ...pageStyle, display: 'flex', justifyContent: 'center', paddingTop: token('space.1000') }}>
      <Spinner size="large" label={props.label} />
    </main>
  );
}

export function LoadError(props: { error: ResolverError; retry(): void }) {
  const title = props.error.code === 'forbidden' ? 'Admins only' : 'Could not load the settings';
  const text =
    props.error.code === 'forbidden'
      ? 'Only administrators of this repository can change its build alerts.'
      : props.error.message;
  return (
    <main style={pageStyle}>
      <SectionMessage appearance={props.error.code === 'forbidden' ? 'warning' : 'error'} title={title}>
        <p>{text}</p>
        {props.error.code !== 'forbidden' ? <Button onClick={props.retry}>Try again</Button> : null}
      </SectionMessage>
    </main>
  );
}

export const pageStyle = {
  maxWidth: 1040,
  margin: '0 auto',
  padding: `${token('space.300')} ${token('space.300')} ${token('space.800')}`,
  color: token('color.text'),
} as const;
