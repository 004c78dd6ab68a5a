import { Component, lazy, Suspense, useState, type ComponentType, type ReactNode } from 'react';
import Button from '@atlaskit/button/default/button';
import Spinner from '@atlaskit/spinner';
import { token } from '@atlaskit/tokens';
import SectionMessage from '../components/section-message';

/**
 * A component whose code is a separate chunk, fetched on first use or earlier with `preload()`.
 * Once the chunk is in, new mounts render the component directly (no Suspense fallback flash);
 * a mount that started before keeps its lazy wrapper, so it is never remounted mid-use. A chunk
 * that failed to load is fetched again on the next attempt (see LazyBoundary's "Try again").
 */
export interface Preloadable<P> {
  (props: P): ReactNode;
  preload(): Promise<void>;
}

/** Chunks whose load failed: "Try again" gives each a fresh lazy component (React.lazy caches a failure). */
const failedChunks = new Set<() => void>();

export function preloadable<P extends object>(load: () => Promise<ComponentType<P>>): Preloadable<P> {
  let loaded: ComponentType<P> | null = null;
  let pending: Promise<ComponentType<P>> | null = null;
  const reset = () => {
    failedChunks.delete(reset);
    Lazy = makeLazy();
  };
  const fetchChunk = (): Promise<ComponentType<P>> =>
    (pending ??= load().then(
      (c) => (loaded = c),
      (e: unknown) => {
        // The next fetch (a "Try again", or a later preload) asks the network again.
        pending = null;
        failedChunks.add(reset);
        throw e;
      },
    ));
  // React's lazy type does not carry generic props through; it renders the same component.
  const makeLazy = () => lazy(() => fetchChunk().then((c) => ({ default: c }))) as unknown as ComponentType<P>;
  let Lazy = makeLazy();
  function Preloaded(props: P) {
    const [{ C }] = useState<{ C: ComponentType<P> }>(() => ({ C: loaded ?? Lazy }));
    return <C {...props} />;
  }
  // A failed preload is not an error yet: the component reports it if it is rendered.
  Preloaded.preload = () => fetchChunk().then(
    () => undefined,
    () => undefined,
  );
  return Preloaded;
}

/** Runs `fn` when the browser is idle after the first render (or soon, where there is no idle callback). */
export function whenIdle(fn: () => void): () => void {
  const w = window as Window & { requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => number; cancelIdleCallback?: (id: number) => void };
  if (w.requestIdleCallback && w.cancelIdleCallback) {
    const id = w.requestIdleCallback(fn, { timeout: 2000 });
    return () => w.cancelIdleCallback!(id);
  }
  const t = setTimeout(fn, 200);
  return () => clearTimeout(t);
}

/**
 * Suspense for lazily loaded parts, with a way out when their chunk cannot be fetched. With
 * `ready={false}` it shows its fallback without rendering the children yet.
 */
export function LazyBoundary(props: { label: string; minHeight?: number; ready?: boolean; children: ReactNode }) {
  const fallback = (
    <div style={{ display: 'flex', justifyContent: 'center', alignItems: 'center', minHeight: props.minHeight, padding: token('space.200') }}>
      <Spinner label={props.label} />
    </div>
  );
  return (
    <ChunkErrorBoundary>
      <Suspense fallback={fallback}>{props.ready === false ? fallback : props.children}</Suspense>
    </ChunkErrorBoundary>
  );
}

class ChunkErrorBoundary extends Component<{ children: ReactNode }, { failed: boolean; attempt: number }> {
  override state = { failed: false, attempt: 0 };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  override render() {
    if (!this.state.failed) return <ChunkAttempt key={this.state.attempt}>{this.props.children}</ChunkAttempt>;
    return (
      <div role="alert" style={{ marginTop: token('space.150') }}>
        <SectionMessage appearance="error" title="Could not load this part of the page">
          <p>Check the connection, then try again.</p>
          <Button
            onClick={() => {
              for (const reset of [...failedChunks]) reset();
              this.setState((s) => ({ failed: false, attempt: s.attempt + 1 }));
            }}
          >
            Try again
          </Button>
        </SectionMessage>
      </div>
    );
  }
}

function ChunkAttempt(props: { children: ReactNode }) {
  return <>{props.children}</>;
}
