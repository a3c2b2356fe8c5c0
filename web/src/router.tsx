// A tiny client-side router: the History API, one subscription, and a Link that keeps
// ctrl/cmd-click and middle-click opening new tabs. `pheme serve` answers every app path with
// index.html, so deep links work.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from "react";

const listeners = new Set<() => void>();

function notify() {
  for (const l of listeners) l();
}

if (typeof window !== "undefined") {
  window.addEventListener("popstate", notify);
}

function subscribe(l: () => void) {
  listeners.add(l);
  return () => listeners.delete(l);
}

function snapshot() {
  return window.location.pathname + window.location.search;
}

export function navigate(to: string, opts: { replace?: boolean } = {}) {
  if (to === snapshot()) return;
  if (opts.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  if (!opts.replace) window.scrollTo(0, 0);
  notify();
}

export interface Location {
  path: string;
  query: URLSearchParams;
}

export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, snapshot, snapshot);
  const i = href.indexOf("?");
  const path = i < 0 ? href : href.slice(0, i);
  return { path: path.replace(/\/+$/, "") || "/", query: new URLSearchParams(i < 0 ? "" : href.slice(i)) };
}

export type Route =
  | { name: "tasks" }
  | { name: "task"; id: string }
  | { name: "wallet"; address: string }
  | { name: "guilds" }
  | { name: "guild"; slug: string }
  | { name: "skills" }
  | { name: "submission"; id: string }
  | { name: "review" }
  | { name: "dashboard" }
  | { name: "leaderboards" }
  | { name: "reputation"; address: string }
  | { name: "landing" }
  | { name: "quests" }
  | { name: "quest"; id: string }
  | { name: "create" }
  | { name: "createTask"; id: string | null }
  | { name: "staking" }
  | { name: "governance" }
  | { name: "proposal"; id: string }
  | { name: "admin" }
  | { name: "settings" }
  | { name: "notFound" };

export function matchRoute(path: string): Route {
  const parts = path.split("/").filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  const [a, b, ...rest] = parts;
  if (rest.length) return { name: "notFound" };
  if (!a) return { name: "landing" };
  if (a === "tasks" && !b) return { name: "tasks" };
  if (a === "tasks" && b) return { name: "task", id: b };
  if (a === "wallet" && b) return { name: "wallet", address: b };
  if (a === "guilds" && !b) return { name: "guilds" };
  if (a === "guilds" && b) return { name: "guild", slug: b };
  if (a === "skills" && !b) return { name: "skills" };
  if (a === "submissions" && b) return { name: "submission", id: b };
  if (a === "review" && !b) return { name: "review" };
  if (a === "dashboard" && !b) return { name: "dashboard" };
  if (a === "leaderboards" && !b) return { name: "leaderboards" };
  if (a === "reputation" && b) return { name: "reputation", address: b };
  if (a === "quests") return b ? { name: "quest", id: b } : { name: "quests" };
  if (a === "create") return b ? { name: "createTask", id: b === "new" ? null : b } : { name: "create" };
  if (a === "staking" && !b) return { name: "staking" };
  if (a === "governance") return b ? { name: "proposal", id: b } : { name: "governance" };
  if (a === "admin" && !b) return { name: "admin" };
  if (a === "settings" && !b) return { name: "settings" };
  return { name: "notFound" };
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

export function Link({ to, onClick, ...rest }: LinkProps) {
  function handle(e: MouseEvent<HTMLAnchorElement>) {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    if (rest.target && rest.target !== "_self") return;
    e.preventDefault();
    navigate(to);
  }
  return <a href={to} onClick={handle} {...rest} />;
}
