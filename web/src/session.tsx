// Who is calling the API.
//
// A wallet's session (Sign-In with Ethereum) lives in the server's `__Host-` cookies when the page
// is a secure context (https, or localhost): the browser sends them from every tab, so a session
// carries to a new tab, and scripts never see the tokens (only the CSRF token, which is echoed in
// X-CSRF-Token). Elsewhere the access and refresh tokens are kept in sessionStorage (this tab).
// An API key (for developers) is kept in sessionStorage too.
//
// The access token is refreshed silently a minute before it expires, and whenever the server
// refuses it (a server restart with new signing keys, a revoked session): the client retries the
// call with the new one, or anonymously when the session is over, so public pages always load.
// Refreshes of a shared cookie session are serialised across tabs (Web Locks), because a refresh
// token is single-use and a second use ends the session.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from "react";
import { ApiError, createClient, type AuthSession, type Client, type Credentials, type Me } from "./api";
import { signInWithWallet as walletSignIn } from "./siwe";
import { discoverWallets, subscribeWallets, walletsSnapshot, type DiscoveredWallet } from "./wallets";

export type Credential =
  | { kind: "api_key"; token: string }
  | { kind: "siwe"; mode: "bearer"; token: string; refreshToken: string; address: string; expiresAt: number }
  | { kind: "siwe"; mode: "cookie"; address: string; expiresAt: number; csrf?: string };

const TAB_KEY = "pheme.credential"; /* sessionStorage: API key or bearer session */
const SHARED_KEY = "pheme.session"; /* localStorage: a cookie session's address and expiry (no secret) */
const CSRF_COOKIE = "__Host-pheme_csrf";

export function readCookie(name: string): string | null {
  if (typeof document === "undefined") return null;
  for (const part of document.cookie.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return null;
}

function storage(kind: "local" | "session"): Storage | null {
  try {
    return kind === "local" ? window.localStorage : window.sessionStorage;
  } catch {
    return null;
  }
}

function loadShared(): Credential | null {
  try {
    const raw = storage("local")?.getItem(SHARED_KEY);
    const c = raw ? (JSON.parse(raw) as { address?: unknown; expiresAt?: unknown }) : null;
    if (c && typeof c.address === "string" && typeof c.expiresAt === "number")
      return { kind: "siwe", mode: "cookie", address: c.address, expiresAt: c.expiresAt };
  } catch {
    /* unreadable: none */
  }
  return null;
}

/** Forgets the CSRF cookie of an ended cookie session (the server clears the HttpOnly ones). */
function dropCsrfCookie() {
  try {
    if (readCookie(CSRF_COOKIE)) document.cookie = `${CSRF_COOKIE}=; Max-Age=0; Path=/; Secure; SameSite=Strict`;
  } catch {
    /* no document */
  }
}

function load(): Credential | null {
  try {
    const raw = storage("session")?.getItem(TAB_KEY);
    if (raw) {
      const c = JSON.parse(raw) as Credential;
      if (c && c.kind === "api_key" && typeof c.token === "string") return c;
      if (c && c.kind === "siwe" && c.mode === "bearer" && typeof c.token === "string" && typeof c.refreshToken === "string") return c;
    }
  } catch {
    /* unreadable: none */
  }
  return loadShared();
}

function save(c: Credential | null) {
  const tab = storage("session");
  const shared = storage("local");
  try {
    if (c && c.kind === "siwe" && c.mode === "cookie") {
      tab?.removeItem(TAB_KEY);
      shared?.setItem(SHARED_KEY, JSON.stringify({ address: c.address, expiresAt: c.expiresAt }));
    } else {
      if (c) tab?.setItem(TAB_KEY, JSON.stringify(c));
      else tab?.removeItem(TAB_KEY);
      if (!c || c.kind === "siwe") shared?.removeItem(SHARED_KEY);
    }
  } catch {
    /* storage may be disabled; the credential then lasts until reload */
  }
}

let current: Credential | null = typeof window === "undefined" ? null : load();

function credentialsOf(c: Credential | null): Credentials | null {
  if (!c) return null;
  if (c.kind === "api_key") return { bearer: c.token };
  if (c.mode === "bearer") return { bearer: c.token };
  return { cookie: { csrf: readCookie(CSRF_COOKIE) ?? c.csrf ?? null } };
}

/** Why a session ended without the person signing out, for the banner. */
export type EndReason = "expired" | "elsewhere";

// The provider registers how state changes reach React; the client calls it from outside.
let sink: (c: Credential | null, why?: EndReason) => void = (c) => {
  current = c;
  save(c);
};

function sessionFrom(s: AuthSession, address: string, prev?: Credential): Credential {
  const expiresAt = Date.now() + s.expiresIn * 1000;
  if (s.tokenType === "cookie") return { kind: "siwe", mode: "cookie", address: address || s.user?.address || "", expiresAt, csrf: s.csrfToken };
  const addr = address || (prev && prev.kind === "siwe" ? prev.address : "");
  return { kind: "siwe", mode: "bearer", token: s.accessToken ?? "", refreshToken: s.refreshToken ?? "", address: addr, expiresAt };
}

/** Serialises cookie refreshes across this origin's tabs; runs fn directly without Web Locks. */
function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== "undefined" ? (navigator as unknown as { locks?: { request: (n: string, f: () => Promise<unknown>) => Promise<unknown> } }).locks : undefined;
  return locks ? (locks.request("pheme-session-refresh", fn) as Promise<T>) : fn();
}

let refreshing: Promise<Credential | null> | null = null;

/**
 * Refreshes the session (or learns that another tab already did); answers the credential to use
 * next, or null when the session is over. `force`: refresh even when it has not expired (the
 * server refused it).
 */
function refreshSession(force: boolean): Promise<Credential | null> {
  if (refreshing) return refreshing;
  const c = current;
  const run = async (): Promise<Credential | null> => {
    if (!c) return null;
    if (c.kind === "api_key") {
      sink(null, "expired");
      return null;
    }
    if (c.mode === "bearer") {
      try {
        const s = await api.authRefresh(c.refreshToken);
        const next = sessionFrom(s, c.address, c);
        sink(next);
        return next;
      } catch (e) {
        if (e instanceof ApiError && e.status !== 0 && e.status < 500) sink(null, "expired");
        return e instanceof ApiError && e.status !== 0 && e.status < 500 ? null : c;
      }
    }
    return exclusive(async () => {
      // Another tab may have refreshed while this one waited: its note says so.
      const shared = loadShared();
      if (shared && shared.kind === "siwe" && shared.expiresAt > c.expiresAt + 1000 && (!force || shared.expiresAt - Date.now() > 60000)) {
        const next = { ...shared, address: shared.address || c.address };
        sink(next);
        return next;
      }
      const csrf = readCookie(CSRF_COOKIE) ?? c.csrf;
      if (!csrf) {
        sink(null, "expired");
        return null;
      }
      try {
        const s = await api.authRefreshCookie(csrf);
        const next = sessionFrom(s, c.address || s.user?.address || "");
        sink(next);
        return next;
      } catch (e) {
        if (e instanceof ApiError && e.status !== 0 && e.status < 500) {
          sink(null, "expired");
          return null;
        }
        return c; /* the server is unreachable: keep the session, try later */
      }
    });
  };
  refreshing = run().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** The one client every page uses; it sends the current credential, if any. */
export const api: Client = createClient({
  credentials: () => credentialsOf(current),
  onRefused: async (sent) => {
    // A call that raced a refresh already done: retry with what is current now.
    const now = credentialsOf(current);
    if (now && JSON.stringify(now) !== JSON.stringify(sent)) return now;
    return credentialsOf(await refreshSession(true));
  },
});

let chainWanted: Promise<number | null> | null = null;
/** The chain the server runs on (GET /chain/status), or null when it follows none. */
export function serverChain(): Promise<number | null> {
  chainWanted ??= api
    .chainStatus()
    .then((s) => {
      const id = Number(s.chainId);
      return Number.isSafeInteger(id) && id > 0 ? id : null;
    })
    .catch(() => null);
  return chainWanted;
}

export function useWallets(): DiscoveredWallet[] {
  useEffect(() => discoverWallets(), []);
  return useSyncExternalStore(subscribeWallets, walletsSnapshot, walletsSnapshot);
}

export interface Session {
  client: Client;
  credential: Credential | null;
  me: Me | null;
  status: "anonymous" | "checking" | "signed-in";
  /** Set when a session ended by itself (expired, refused, signed out in another tab). */
  ended: EndReason | null;
  dismissEnded: () => void;
  /** Checks the key with GET /me and keeps it only if the server accepts it. */
  signInWithApiKey: (key: string) => Promise<void>;
  /** Sign-In with Ethereum through one of the browser's wallets. */
  signInWithWallet: (wallet: DiscoveredWallet) => Promise<void>;
  /** The wallet last used to sign in, in this tab (to link or sign with). */
  wallet: DiscoveredWallet | null;
  signOut: () => void;
  /** Reads GET /me again (after the profile changed). */
  refreshMe: () => Promise<void>;
  signInOpen: boolean;
  openSignIn: () => void;
  closeSignIn: () => void;
}

const Ctx = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [credential, setCredential] = useState<Credential | null>(current);
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState<boolean>(current !== null);
  const [ended, setEnded] = useState<EndReason | null>(null);
  const [signInOpen, setSignInOpen] = useState(false);
  const [wallet, setWallet] = useState<DiscoveredWallet | null>(null);

  const apply = useCallback((c: Credential | null, why?: EndReason) => {
    const had = current;
    current = c;
    save(c);
    // An expired cookie session leaves no CSRF cookie behind (a signed-out one: the server's
    // logout answer clears them, and signOut drops it after that answer).
    if (!c && why === "expired" && had?.kind === "siwe" && had.mode === "cookie") dropCsrfCookie();
    setCredential(c);
    if (!c) {
      setMe(null);
      setChecking(false);
      if (had && why) setEnded(why);
    } else {
      setEnded(null);
    }
  }, []);

  useEffect(() => {
    sink = apply;
  }, [apply]);

  const loadMe = useCallback(() => {
    let live = true;
    setChecking(true);
    api
      .me()
      .then((m) => {
        if (!live) return;
        setMe(m);
        if (current?.kind === "siwe" && !current.address) apply({ ...current, address: m.address });
      })
      .catch((e) => {
        if (live && e instanceof ApiError && e.isAuth && current) apply(null, "expired");
      })
      .finally(() => live && setChecking(false));
    return () => {
      live = false;
    };
  }, [apply]);

  // A credential restored from storage (or another tab's cookie session) is checked once; a
  // refused one is refreshed or dropped by the client.
  useEffect(() => {
    if (current) return loadMe();
  }, [loadMe]);

  // Another tab signed in, refreshed or signed out.
  useEffect(() => {
    function onStorage(e: StorageEvent) {
      if (e.key !== SHARED_KEY) return;
      const shared = loadShared();
      if (!e.newValue) {
        if (current?.kind === "siwe" && current.mode === "cookie") apply(null, "elsewhere");
        return;
      }
      if (!shared) return;
      const wasOut = !current;
      if (!current || (current.kind === "siwe" && current.mode === "cookie")) {
        current = shared;
        setCredential(shared);
        if (wasOut) loadMe();
      }
    }
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, [apply, loadMe]);

  // Silent refresh a minute before the access token expires.
  useEffect(() => {
    if (credential?.kind !== "siwe" || !credential.expiresAt) return;
    const wait = Math.max(5000, credential.expiresAt - Date.now() - 60000);
    const t = window.setTimeout(() => void refreshSession(false), wait);
    return () => window.clearTimeout(t);
  }, [credential]);

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

  const signInWithWallet = useCallback(
    async (w: DiscoveredWallet) => {
      const chainId = await serverChain();
      // Cookie mode needs a secure context (https or localhost) for its Secure cookies.
      const cookies = typeof window !== "undefined" && window.isSecureContext;
      let s;
      try {
        s = await walletSignIn(api, w.provider, { chainId, cookies });
      } catch (e) {
        // A server with cookie mode turned off: sign once more, with tokens in this tab.
        if (!(cookies && e instanceof ApiError && e.status === 400 && /cookie/i.test(e.message))) throw e;
        s = await walletSignIn(api, w.provider, { chainId, cookies: false });
      }
      apply(sessionFrom(s, s.address));
      setWallet(w);
      setMe(await api.me());
      setChecking(false);
    },
    [apply],
  );

  const signOut = useCallback(() => {
    const c = current;
    /* ends the session on the server too */
    if (c?.kind === "siwe") api.logout(credentialsOf(c)).catch(() => undefined).finally(() => c.mode === "cookie" && dropCsrfCookie());
    apply(null);
    setWallet(null);
  }, [apply]);

  const value = useMemo<Session>(
    () => ({
      client: api,
      credential,
      me,
      status: credential ? (checking && !me ? "checking" : me ? "signed-in" : "checking") : "anonymous",
      ended,
      dismissEnded: () => setEnded(null),
      signInWithApiKey,
      signInWithWallet,
      wallet,
      signOut,
      refreshMe: async () => {
        if (current) setMe(await api.me());
      },
      signInOpen,
      openSignIn: () => setSignInOpen(true),
      closeSignIn: () => setSignInOpen(false),
    }),
    [credential, me, checking, ended, signInWithApiKey, signInWithWallet, wallet, signOut, signInOpen],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSession(): Session {
  const s = useContext(Ctx);
  if (!s) throw new Error("useSession outside SessionProvider");
  return s;
}
