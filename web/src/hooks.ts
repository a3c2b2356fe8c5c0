import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, type Page } from "./api";

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  return new ApiError(0, "APP000", e instanceof Error ? e.message : String(e));
}

export interface Async<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
  setData: (d: T) => void;
}

/** Runs load() whenever deps change; answers that arrive after a newer request are dropped. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [nonce, setNonce] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    setLoading(true);
    setError(null);
    load()
      .then((d) => {
        if (mine === seq.current) setData(d);
      })
      .catch((e) => {
        if (mine === seq.current) {
          setData(undefined);
          setError(toApiError(e));
        }
      })
      .finally(() => {
        if (mine === seq.current) setLoading(false);
      });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { data, error, loading, reload, setData };
}

export interface Paged<T> {
  items: T[];
  error: ApiError | null;
  loading: boolean;
  loadingMore: boolean;
  hasMore: boolean;
  loadMore: () => void;
  reload: () => void;
}

/** Cursor pagination: the first page whenever deps change, then "load more" appends. */
export function usePaged<T>(load: (cursor?: string) => Promise<Page<T>>, deps: unknown[]): Paged<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [nonce, setNonce] = useState(0);
  const seq = useRef(0);
  const loader = useRef(load);
  loader.current = load;

  useEffect(() => {
    const mine = ++seq.current;
    setLoading(true);
    setLoadingMore(false);
    setError(null);
    setItems([]);
    setCursor(null);
    loader
      .current()
      .then((p) => {
        if (mine !== seq.current) return;
        setItems(p.items);
        setCursor(p.nextCursor);
      })
      .catch((e) => mine === seq.current && setError(toApiError(e)))
      .finally(() => mine === seq.current && setLoading(false));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, nonce]);

  const loadMore = useCallback(() => {
    if (!cursor || loadingMore) return;
    const mine = seq.current;
    setLoadingMore(true);
    setError(null);
    loader
      .current(cursor)
      .then((p) => {
        if (mine !== seq.current) return;
        setItems((old) => [...old, ...p.items]);
        setCursor(p.nextCursor);
      })
      .catch((e) => mine === seq.current && setError(toApiError(e)))
      .finally(() => mine === seq.current && setLoadingMore(false));
  }, [cursor, loadingMore]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { items, error, loading, loadingMore, hasMore: cursor !== null, loadMore, reload };
}

export function useDocumentTitle(title: string | undefined) {
  useEffect(() => {
    document.title = title ? `${title} · PHEME` : "PHEME";
  }, [title]);
}

export interface Action {
  busy: boolean;
  error: ApiError | null;
  /** Runs f once at a time; a failure is kept in `error` (and answers undefined). */
  run: <T>(f: () => Promise<T>) => Promise<T | undefined>;
  clear: () => void;
}

/** A write a button starts: busy while it runs, its failure as an ApiError. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(async <T,>(f: () => Promise<T>) => {
    setBusy(true);
    setError(null);
    try {
      return await f();
    } catch (e) {
      setError(toApiError(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => setError(null), []);
  return { busy, error, run, clear };
}
