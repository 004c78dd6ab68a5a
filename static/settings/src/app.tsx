import { useEffect, useState } from 'react';
import type { PageKind } from './api';
import { loadPageContext } from './api';
import { PageSpinner, RepoSettingsPage } from './pages/repo-settings-page';
import { WorkspaceDefaultsPage } from './pages/workspace-defaults-page';

export function App(props: { kind?: PageKind }) {
  const [kind, setKind] = useState<PageKind | null>(props.kind ?? null);
  useEffect(() => {
    if (props.kind) return;
    let live = true;
    loadPageContext()
      .then((ctx) => live && setKind(ctx.kind))
      // No context at all (should not happen in a product): the repository page reports its own errors.
      .catch(() => live && setKind('repository'));
    return () => {
      live = false;
    };
  }, [props.kind]);
  if (!kind) return <PageSpinner label="Loading" />;
  return kind === 'workspace' ? <WorkspaceDefaultsPage /> : <RepoSettingsPage />;
}
