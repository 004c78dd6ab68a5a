import { startTransition, useCallback, useEffect, useMemo, useState } from 'react';
import Button from '@atlaskit/button/default/button';
import Heading from '@atlaskit/heading';
import Spinner from '@atlaskit/spinner';
import { token } from '@atlaskit/tokens';
import SectionMessage from '../components/section-message';
import type { ResolverError, SettingsView } from '../api';
import { invoke } from '../api';
import { ChannelsSection, type ChannelOps } from '../components/channels-section';
import { RulesSection } from '../components/rules-section';
import { subtleText } from '../components/ui';
import type { PreviewFn } from '../components/rule-form';
import { LazyBoundary, preloadable } from '../lib/lazy';
import { ACTIVITY_PAGE, DELIVERY_LOG_PAGE } from '../lib/paging';

const EMPTY = {} as Record<string, never>;

// Sections below Channels and Rules: one lazy chunk (components/more-sections.ts), fetched while
// getSettings is in flight so it is usually in by the time the top of the page has painted.
const moreSections = () => import('../components/more-sections');
const SnoozeSection = preloadable(() => moreSections().then((m) => m.SnoozeSection));
const BuildHealthSection = preloadable(() => moreSections().then((m) => m.BuildHealthSection));
const ActivitySection = preloadable(() => moreSections().then((m) => m.ActivitySection));
const DeliveryLogSection = preloadable(() => moreSections().then((m) => m.DeliveryLogSection));
const FailedJobsSection = preloadable(() => moreSections().then((m) => m.FailedJobsSection));
const WebhookSection = preloadable(() => moreSections().then((m) => m.WebhookSection));
const ImportExportSection = preloadable(() => moreSections().then((m) => m.ImportExportSection));
const preloadMoreSections = () =>
  Promise.all([SnoozeSection, BuildHealthSection, ActivitySection, FailedJobsSection, DeliveryLogSection, WebhookSection, ImportExportSection].map((c) => c.preload()));

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

  // The sections below Rules render in a transition once the top of the page has committed, so the
  // heading's first paint does not wait for them: React yields to the browser while rendering them.
  const [showMore, setShowMore] = useState(false);
  const loaded = view !== null;
  // Their chunk is fetched once the top has committed too: parsing it earlier competes with the
  // heading's first paint on a slow machine.
  useEffect(() => {
    if (!loaded) return;
    void preloadMoreSections();
    startTransition(() => setShowMore(true));
  }, [loaded]);

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
  const loadActivity = useCallback(() => invoke('getActivity', { limit: ACTIVITY_PAGE }), []);
  const loadFailedJobs = useCallback(() => invoke('getDeadLetters', EMPTY), []);
  const retryFailedJob = useCallback((id: string) => invoke('retryDeadLetter', { id }), []);

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
      <LazyBoundary label="Loading more settings" minHeight={240} ready={showMore}>
        <SnoozeSection
          key={ownRuleNames.join('\u0000')}
          snoozes={view.snoozes}
          ruleNames={ownRuleNames}
          snooze={(s) => invoke('snooze', s)}
          unsnooze={(target) => invoke('unsnooze', { target })}
          onSnoozes={(snoozes) => patch({ snoozes })}
        />
        <BuildHealthSection load={loadHealth} />
        <ActivitySection load={loadActivity} />
        {/* Above the delivery log, whose Refresh button the browser test finds as the page's last. */}
        <FailedJobsSection load={loadFailedJobs} retry={retryFailedJob} />
        <DeliveryLogSection load={loadLog} redeliver={redeliver} refreshKey={logKey} />
        <WebhookSection
          webhookUrl={view.webhookUrl}
          secretSet={view.inboundSecretSet}
          setSecret={(secret) => invoke('setInboundSecret', { secret })}
          onSecretSet={(inboundSecretSet) => patch({ inboundSecretSet })}
        />
        <ImportExportSection exportRules={() => invoke('exportRules', EMPTY)} importRules={(yaml) => invoke('importRules', { yaml })} onImported={setView} />
      </LazyBoundary>
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
