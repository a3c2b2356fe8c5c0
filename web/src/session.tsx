// Who is calling the API. Today: an API key kept in sessionStorage (gone when the tab closes).
// Sign-In with Ethereum will add a second kind of credential (a session token from
// POST /api/v1/auth/verify); pages only use `session.client`, `session.me` and `openSignIn`,
// so they will not change when it arrives.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { ApiError, createClient, type Client, type Me } from "./api";

export type Credential = { kind: "api_key"; token: string };
// Later: | { kind: "siwe"; token: string; address: string }

const STORAGE_KEY = "pheme.credential";

function load(): Credential | null {
  try {
    const raw = window.sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const c = JSON.parse(raw) as Credential;
    return c && c.kind === "api_key" && typeof c.token === "string" ? c : null;
  } catch {
    return null;
  }
}

function save(c: Credential | null) {
  try {
    if (c) window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(c));
    else window.sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    /* storage may be disabled; the credential then lasts until reload */
  }
}

let current: Credential | null = typeof window === "undefined" ? null : load();

/** The one client every page uses; it sends the current credential, if any. */
export const api: Client = createClient({ token: () => current?.token ?? null });

export interface Session {
  client: Client;
  credential: Credential | null;
  me: Me | null;
  status: "anonymous" | "checking" | "signed-in";
  /** Checks the key with GET /me and keeps it only if the server accepts it. */
  signInWithApiKey: (key: string) => Promise<void>;
  signOut: () => void;
  signInOpen: boolean;
  openSignIn: () => void;
  closeSignIn: () => void;
}

const Ctx = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [credential, setCredential] = useState<Credential | null>(current);
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState<boolean>(current !== null);
  const [signInOpen, setSignInOpen] = useState(false);

  const apply = useCallback((c: Credential | null) => {
    current = c;
    save(c);
    setCredential(c);
    if (!c) setMe(null);
  }, []);

  // A key restored from sessionStorage is checked once; a refused one is dropped.
  useEffect(() => {
    if (!current) return;
    let live = true;
    api
      .me()
      .then((m) => live && setMe(m))
      .catch((e) => {
        if (live && e instanceof ApiError && e.isAuth) apply(null);
      })
      .finally(() => live && setChecking(false));
    return () => {
      live = false;
    };
  }, [apply]);

  const signInWithApiKey = useCallback(
    async (key: string) => {
      const token = key.trim();
      const probe = createClient({ token: () => token });
      const m = await probe.me();
      apply({ kind: "api_key", token });
      setMe(m);
      setChecking(false);
    },
    [apply],
  );

  const signOut = useCallback(() => apply(null), [apply]);

  const value = useMemo<Session>(
    () => ({
      client: api,
      credential,
      me,
      status: credential ? (checking && !me ? "checking" : "signed-in") : "anonymous",
      signInWithApiKey,
      signOut,
      signInOpen,
      openSignIn: () => setSignInOpen(true),
      closeSignIn: () => setSignInOpen(false),
    }),
    [credential, me, checking, signInWithApiKey, signOut, signInOpen],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSession(): Session {
  const s = useContext(Ctx);
  if (!s) throw new Error("useSession outside SessionProvider");
  return s;
}
