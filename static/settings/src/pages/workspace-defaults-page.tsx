import { useCallback, useEffect, useMemo, useState } from 'react';
import Heading from '@atlaskit/heading';
import type { ChannelTypeInfo, ChannelView, MentionsDto, ResolverError, RuleDto } from '../api';
import { invoke } from '../api';
import { ChannelsSection, type ChannelOps } from '../components/channels-section';
import { RulesSection } from '../components/rules-section';
import { subtleText } from '../components/ui';
import { LazyBoundary, preloadable } from '../lib/lazy';
import { LoadError, PageSpinner, pageStyle } from './repo-settings-page';

interface Defaults {
  channels: ChannelView[];
  rules: RuleDto[];
  /** Person → chat handles; a backend that predates it sends none. */
  mentions?: MentionsDto;
  channelTypes: ChannelTypeInfo[];
  /** Not in the contract's getWorkspaceDefaults answer today; used when a backend sends it. */
  inboundSecretSet?: boolean;
}

// Below Channels and Rules, in one chunk of their own (fetched while the defaults load), as on the repository page.
const loadSections = () => import('../components/workspace-sections');
const MentionsSection = preloadable(() => loadSections().then((m) => m.MentionsSection));
const WorkspaceSecretSection = preloadable(() => loadSections().then((m) => m.WorkspaceSecretSection));

/** Workspace settings: channels and rules every repository without rules of its own inherits. */
export function WorkspaceDefaultsPage() {
  const [data, setData] = useState<Defaults | null>(null);
  const [error, setError] = useState<ResolverError | null>(null);

  const load = useCallback(async () => {
    setError(null);
    const res = await invoke('getWorkspaceDefaults', {} as Record<string, never>);
    if (res.ok) setData(res.data);
    else setError(res.error);
  }, []);
  useEffect(() => {
    void MentionsSection.preload();
    void WorkspaceSecretSection.preload();
    void load();
  }, [load]);
  const setSecret = useCallback((secret: string | null) => invoke('setWorkspaceInboundSecret', { secret }), []);
  const saveMentions = useCallback((mentions: MentionsDto) => invoke('saveWorkspaceMentions', { mentions }), []);

  const ops: ChannelOps = useMemo(
    () => ({
      save: (channel, previousName) => invoke('saveWorkspaceChannel', previousName === undefined ? { channel } : { channel, previousName }),
      remove: (name) => invoke('deleteWorkspaceChannel', { name }),
    }),
    [],
  );

  if (error && !data) return <LoadError error={error} retry={load} />;
  if (!data) return <PageSpinner label="Loading workspace defaults" />;

  return (
    <main style={pageStyle}>
      <header>
        <Heading size="large" as="h1">
          Build alerts: workspace defaults
        </Heading>
        <p style={subtleText}>Repositories without rules of their own use these channels and rules.</p>
      </header>
      <ChannelsSection
        channels={data.channels}
        types={data.channelTypes}
        ops={ops}
        onChannels={(channels) => setData({ ...data, channels })}
        emptyHint="Every repository in the workspace can then alert it."
      />
      <RulesSection
        rules={data.rules}
        usingDefaults={false}
        channelNames={data.channels.map((c) => c.name)}
        save={(rules) => invoke('saveWorkspaceDefaults', { rules })}
        onRules={(rules) => setData({ ...data, rules })}
        defaultsNotice="No workspace rules yet: repositories fall back to the built-in rule, which alerts on failures and fixes of the main branch."
      />
      <LazyBoundary label="Loading more settings" minHeight={160}>
        <MentionsSection mentions={data.mentions ?? {}} save={saveMentions} onMentions={(mentions) => setData((d) => (d ? { ...d, mentions } : d))} />
        <WorkspaceSecretSection secretSet={typeof data.inboundSecretSet === 'boolean' ? data.inboundSecretSet : null} setSecret={setSecret} />
      </LazyBoundary>
    </main>
  );
}
