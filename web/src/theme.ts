// Light or dark: the person's choice (kept in localStorage), or the system's (prefers-color-scheme)
// until they make one. The palette itself is CSS variables (tailwind.config.js); this module only
// puts `.light` or `.dark` on <html> when a choice was made.
import { useSyncExternalStore } from "react";

export type Theme = "light" | "dark";
const KEY = "pheme.theme";
const listeners = new Set<() => void>();

function stored(): Theme | null {
  try {
    const v = window.localStorage.getItem(KEY);
    return v === "light" || v === "dark" ? v : null;
  } catch {
    return null;
  }
}

function systemDark(): boolean {
  return typeof window.matchMedia === "function" && window.matchMedia("(prefers-color-scheme: dark)").matches;
}

/** The theme shown now: the stored choice, else the system's. */
export function currentTheme(): Theme {
  return stored() ?? (systemDark() ? "dark" : "light");
}

/** Puts the stored choice on <html> (none: the CSS follows the system). */
export function applyTheme() {
  const root = document.documentElement;
  const t = stored();
  root.classList.toggle("dark", t === "dark");
  root.classList.toggle("light", t === "light");
}

export function setTheme(t: Theme | null) {
  try {
    if (t) window.localStorage.setItem(KEY, t);
    else window.localStorage.removeItem(KEY);
  } catch {
    /* storage refused: this page only */
  }
  applyTheme();
  for (const l of listeners) l();
}

function subscribe(l: () => void) {
  listeners.add(l);
  const mq = typeof window.matchMedia === "function" ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  const storage = (e: StorageEvent) => {
    if (e.key === KEY) {
      applyTheme();
      l();
    }
  };
  mq?.addEventListener?.("change", l);
  window.addEventListener("storage", storage);
  return () => {
    listeners.delete(l);
    mq?.removeEventListener?.("change", l);
    window.removeEventListener("storage", storage);
  };
}

export function useTheme(): Theme {
  return useSyncExternalStore(subscribe, currentTheme, () => "light" as Theme);
}
