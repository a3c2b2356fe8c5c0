// Who is calling the API: a wallet's session (Sign-In with Ethereum: an access token refreshed
// before it expires, with its refresh token) or an API key, kept in sessionStorage (gone when the
// tab closes). Pages only use `session.client`, `session.me` and `openSignIn`.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { ApiError, createClient, type Client, type Me } from "./api";
import { browserWallet, signInWithWallet as walletSignIn } from "./siwe";

export type Credential =
  | { kind: "api_key"; token: string }
  | { kind: "siwe"; token: string; refreshToken: string; address: string; expiresAt: number };

const STORAGE_KEY = "pheme.credential";

function load(): Credential | null {
  try {
    const raw = window.sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const c = JSON.parse(raw) as Credential;
    if (c && c.kind === "api_key" && typeof c.token === "string") return c;
    if (c && c.kind === "siwe" && typeof c.token === "string" && typeof c.refreshToken === "string") return c;
    return null;
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
  /** Sign-In with Ethereum through the browser's wallet; null when none is installed. */
  signInWithWallet: (() => Promise<void>) | null;
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

  const signInWithWallet = useCallback(async () => {
    const provider = browserWallet();
    if (!provider) throw new ApiError(0, "WALLET", "No browser wallet was found.");
    const s = await walletSignIn(api, provider);
    apply({ kind: "siwe", token: s.accessToken, refreshToken: s.refreshToken, address: s.address,
            expiresAt: Date.now() + s.expiresIn * 1000 });
    setMe(await api.me());
    setChecking(false);
  }, [apply]);

  // A wallet session's access token is refreshed a minute before it expires (the refresh token
  // is single-use: the answer carries the next one); a refused refresh ends the session.
  useEffect(() => {
    if (credential?.kind !== "siwe") return;
    const wait = Math.max(5000, credential.expiresAt - Date.now() - 60000);
    const t = window.setTimeout(() => {
      api
        .authRefresh(credential.refreshToken)
        .then((s) =>
          apply({ ...credential, token: s.accessToken, refreshToken: s.refreshToken, expiresAt: Date.now() + s.expiresIn * 1000 }),
        )
        .catch((e) => {
          if (e instanceof ApiError && e.isAuth) apply(null);
        });
    }, wait);
    return () => window.clearTimeout(t);
  }, [credential, apply]);

  const signOut = useCallback(() => {
    if (current?.kind === "siwe") api.logout().catch(() => undefined); /* ends the session on the server too */
    apply(null);
  }, [apply]);

  const value = useMemo<Session>(
    () => ({
      client: api,
      credential,
      me,
      status: credential ? (checking && !me ? "checking" : "signed-in") : "anonymous",
      signInWithApiKey,
      signInWithWallet: browserWallet() ? signInWithWallet : null,
      signOut,
      signInOpen,
      openSignIn: () => setSignInOpen(true),
      closeSignIn: () => setSignInOpen(false),
    }),
    [credential, me, checking, signInWithApiKey, signInWithWallet, signOut, signInOpen],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSession(): Session {
  const s = useContext(Ctx);
  if (!s) throw new Error("useSession outside SessionProvider");
  return s;
}
