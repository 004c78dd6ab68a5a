import { useCallback, useEffect, useRef, useState } from 'react';
import type { ResolverResponse } from '../api';

/**
 * A section's list from a resolver: loaded on mount (and whenever `refreshKey` changes), reloaded by
 * `refresh`. A failed load keeps what was shown (or an empty list) and says why in `problem`.
 * `onLoaded` sees each successful answer (the delivery log takes its next-page cursor from it).
 */
export function useLoadedEntries<D extends { entries: unknown[] }>(
  load: () => Promise<ResolverResponse<D>>,
  options: { onLoaded?: (data: D) => void; refreshKey?: unknown } = {},
) {
  const [entries, setEntries] = useState<D['entries'] | null>(null);
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<string[]>([]);
  const onLoaded = useRef(options.onLoaded);
  onLoaded.current = options.onLoaded;

  const refresh = useCallback(async () => {
    setLoading(true);
    const res = await load();
    setLoading(false);
    if (res.ok) {
      setEntries(res.data.entries);
      onLoaded.current?.(res.data);
      setProblem([]);
    } else {
      setEntries((e) => e ?? []);
      setProblem([res.error.message]);
    }
  }, [load]);

  useEffect(() => {
    void refresh();
  }, [refresh, options.refreshKey]);

  return { entries, setEntries, loading, setLoading, problem, setProblem, refresh };
}
