import { useState, type FormEvent, type ReactNode } from "react";
import { isAddress, shortAddress } from "../format";
import { actingRoles } from "../api";
import { Link, navigate, useLocation } from "../router";
import { useSession } from "../session";
import { SignInDialog } from "./SignInDialog";
import { btn, cx, input } from "./ui";
import { strings } from "../strings";
import { setTheme, useTheme } from "../theme";

const n = strings.nav;
const nav = [
  { to: "/tasks", label: n.tasks, match: (p: string) => p.startsWith("/tasks") },
  { to: "/quests", label: n.quests, match: (p: string) => p.startsWith("/quests") },
  { to: "/guilds", label: n.guilds, match: (p: string) => p.startsWith("/guilds") },
  { to: "/skills", label: n.skills, match: (p: string) => p.startsWith("/skills") },
  { to: "/leaderboards", label: n.leaderboards, match: (p: string) => p.startsWith("/leaderboards") },
  { to: "/governance", label: n.governance, match: (p: string) => p.startsWith("/governance") },
];
const dashboard = { to: "/dashboard", label: n.dashboard, match: (p: string) => p.startsWith("/dashboard") || p.startsWith("/reputation") };
const staking = { to: "/staking", label: n.staking, match: (p: string) => p.startsWith("/staking") };
const review = { to: "/review", label: n.review, match: (p: string) => p.startsWith("/review") };
const create = { to: "/create", label: n.create, match: (p: string) => p.startsWith("/create") };
const admin = { to: "/admin", label: n.admin, match: (p: string) => p.startsWith("/admin") };

/** The links a person sees: everyone's, then what their roles open. */
export function navLinks(roles: string[] | null) {
  if (!roles) return nav;
  const has = (r: string) => roles.includes(r) || roles.includes("admin");
  return [dashboard, ...nav, staking, ...(has("creator") ? [create] : []), ...(has("validator") ? [review] : []), ...(roles.includes("admin") ? [admin] : [])];
}

function ThemeToggle() {
  const theme = useTheme();
  const dark = theme === "dark";
  return (
    <button type="button" className={cx(btn.ghost, "px-2")} onClick={() => setTheme(dark ? "light" : "dark")} aria-label={dark ? strings.theme.toLight : strings.theme.toDark} title={dark ? strings.theme.toLight : strings.theme.toDark}>
      <span aria-hidden="true" className="text-base leading-none">
        {dark ? "☀" : "☾"}
      </span>
    </button>
  );
}

function AddressSearch() {
  const [text, setText] = useState("");
  const [invalid, setInvalid] = useState(false);
  function submit(e: FormEvent) {
    e.preventDefault();
    const a = text.trim();
    if (!isAddress(a)) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    setText("");
    navigate(`/wallet/${a}`);
  }
  return (
    <form role="search" onSubmit={submit} className="relative w-full" noValidate>
      <label htmlFor="address-search" className="sr-only">
        {strings.search.label}
      </label>
      <input
        id="address-search"
        type="search"
        inputMode="text"
        autoComplete="off"
        spellCheck={false}
        placeholder={strings.search.placeholder}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          if (invalid) setInvalid(false);
        }}
        aria-invalid={invalid}
        aria-describedby={invalid ? "address-search-error" : undefined}
        className={cx(input, "pr-16 font-mono", invalid && "border-red-500")}
      />
      <button type="submit" className="absolute inset-y-1 right-1 rounded-md bg-slate-900 px-3 text-xs font-semibold text-white hover:bg-slate-700">
        {strings.search.go}
      </button>
      {invalid && (
        <p id="address-search-error" role="alert" className="absolute left-0 top-full z-10 mt-1 rounded-md bg-red-700 px-2 py-1 text-xs text-white shadow">
          {strings.search.invalid}
        </p>
      )}
    </form>
  );
}

function AccountControl() {
  const s = useSession();
  if (s.status === "anonymous")
    return (
      <button type="button" className={btn.primary} onClick={s.openSignIn}>
        {strings.app.signIn}
      </button>
    );
  if (s.status === "checking" || !s.me) return <span className="text-sm text-slate-600">{strings.account.checking}</span>;
  return (
    <div className="flex items-center gap-2">
      <Link
        to={`/wallet/${s.me.address}`}
        className="flex items-center gap-2 rounded-lg border border-slate-200 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-50"
        title={strings.account.signedIn(s.credential?.kind === "siwe" ? "wallet" : "key", s.me.address)}
      >
        <span className="h-2 w-2 rounded-full bg-emerald-500" aria-hidden="true" />
        <span className="max-w-[10rem] truncate">{s.me.displayName || shortAddress(s.me.address)}</span>
        <span className="sr-only">{strings.account.yourWallet}</span>
      </Link>
      <Link to="/settings" className={cx(btn.ghost, "px-2")} aria-label={strings.settings.open} title={strings.settings.open}>
        <span aria-hidden="true">⚙</span>
      </Link>
      <button type="button" className={btn.ghost} onClick={s.signOut}>
        {strings.app.signOut}
      </button>
    </div>
  );
}

/** Says that a session ended by itself, and offers to sign in again. */
function SessionEnded() {
  const s = useSession();
  if (!s.ended || s.status !== "anonymous") return null;
  return (
    <div role="status" className="mb-6 flex flex-wrap items-center justify-between gap-3 rounded-xl border border-amber-200 bg-amber-50 p-4 text-sm text-amber-900">
      <p>
        {s.ended === "elsewhere"
          ? strings.account.signedOutElsewhere
          : strings.account.expired}
      </p>
      <div className="flex gap-2">
        <button type="button" className={btn.primary} onClick={() => { s.dismissEnded(); s.openSignIn(); }}>
          {strings.account.signInAgain}
        </button>
        <button type="button" className={btn.ghost} onClick={s.dismissEnded}>
          {strings.account.dismiss}
        </button>
      </div>
    </div>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const { path } = useLocation();
  const { me } = useSession();
  const links = navLinks(me ? actingRoles(me) : null);
  return (
    <div className="flex min-h-screen flex-col">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded-lg focus:bg-white focus:px-4 focus:py-2 focus:shadow">
        {strings.app.skip}
      </a>
      <header className="z-30 border-b border-slate-200 bg-white/95 backdrop-blur md:sticky md:top-0">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-3 px-4 py-3 sm:px-6">
          <Link to="/" className="order-1 flex items-center gap-2 rounded-lg font-bold tracking-tight text-slate-900" aria-label={strings.app.home}>
            <svg width="28" height="28" viewBox="0 0 32 32" aria-hidden="true">
              <rect width="32" height="32" rx="8" fill="#4f46e5" />
              <path d="M10 24V8h7a5 5 0 0 1 0 10h-7" fill="none" stroke="#fff" strokeWidth="3" strokeLinecap="round" strokeLinejoin="round" />
            </svg>
            <span className="text-lg">PHEME</span>
          </Link>
          <nav aria-label={n.main} className="order-4 -mx-3 w-full md:order-2 md:mx-0 md:w-auto">
            <ul className="flex flex-wrap gap-1">
              {links.map((n) => {
                const active = n.match(path);
                return (
                  <li key={n.to}>
                    <Link
                      to={n.to}
                      aria-current={active ? "page" : undefined}
                      className={cx(
                        "rounded-lg px-3 py-2 text-sm font-semibold",
                        active ? "bg-brand-50 text-brand-700" : "text-slate-700 hover:bg-slate-100 hover:text-slate-900",
                      )}
                    >
                      {n.label}
                    </Link>
                  </li>
                );
              })}
            </ul>
          </nav>
          <div className="order-3 w-full md:ml-auto md:w-auto md:flex-1 md:max-w-sm">
            <AddressSearch />
          </div>
          <div className="order-2 ml-auto flex items-center gap-1 md:order-4 md:ml-0">
            <ThemeToggle />
            <AccountControl />
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto w-full max-w-6xl flex-1 px-4 py-8 sm:px-6">
        <SessionEnded />
        {children}
      </main>
      <footer className="border-t border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap justify-between gap-2 px-4 py-4 text-sm text-slate-600 sm:px-6">
          <p>{strings.app.tagline}</p>
          <p>
            <a className="underline decoration-slate-300 underline-offset-2 hover:text-slate-900" href="/api/v1/openapi.json">
              {strings.app.developers}
            </a>
          </p>
        </div>
      </footer>
      <SignInDialog />
    </div>
  );
}
