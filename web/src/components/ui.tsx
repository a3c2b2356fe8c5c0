import type { ReactNode } from "react";
import type { ApiError } from "../api";
import { strings } from "../strings";
import { Link } from "../router";

export function cx(...parts: (string | false | null | undefined)[]): string {
  return parts.filter(Boolean).join(" ");
}

export const btn = {
  primary:
    "inline-flex items-center justify-center gap-2 rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700 disabled:cursor-not-allowed disabled:opacity-60",
  secondary:
    "inline-flex items-center justify-center gap-2 rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-semibold text-slate-800 shadow-sm hover:bg-slate-50 disabled:cursor-not-allowed disabled:opacity-60",
  danger:
    "inline-flex items-center justify-center gap-2 rounded-lg border border-red-300 bg-white px-4 py-2 text-sm font-semibold text-red-700 shadow-sm hover:bg-red-50 disabled:cursor-not-allowed disabled:opacity-60",
  ghost:
    "inline-flex items-center justify-center gap-2 rounded-lg px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100",
};

export const input =
  "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm placeholder:text-slate-500 focus:border-brand-600";

export const label = "block text-sm font-medium text-slate-700";

export function Card({ children, className, as: As = "section", ...rest }: { children: ReactNode; className?: string; as?: "section" | "div" | "article" | "li"; "aria-labelledby"?: string }) {
  return (
    <As className={cx("min-w-0 rounded-2xl border border-slate-200 bg-white p-5 shadow-sm", className)} {...rest}>
      {children}
    </As>
  );
}

export function Spinner({ label: text = strings.app.loading }: { label?: string }) {
  return (
    <div role="status" className="flex items-center gap-3 py-10 text-sm text-slate-600">
      <span className="h-5 w-5 animate-spin rounded-full border-2 border-slate-300 border-t-brand-600" aria-hidden="true" />
      {text}
    </div>
  );
}

/** What went wrong, in people's words; the server's own sentence and code follow in small print. */
export function errorHint(error: ApiError): string | undefined {
  if (error.code === "NET000") return strings.errors.network;
  if (error.code.startsWith("WALLET")) return undefined; /* the wallet's message already says it */
  if (error.status === 401) return strings.errors.signIn;
  if (error.status === 403) return strings.errors.forbidden;
  if (error.status === 404) return strings.errors.notFound;
  if (error.status === 429) return strings.errors.tooMany;
  if (error.status >= 500) return strings.errors.server;
  return undefined;
}

export function ErrorNotice({ error, onRetry, title, hint: given }: { error: ApiError; onRetry?: () => void; title?: string; hint?: string | null }) {
  const hint = given !== undefined ? given : errorHint(error);
  // The server's own sentence is for developers when the hint already says it in people's words
  // (sign-in, permissions, rate limits, outages); a refusal about the request itself (a missing
  // skill level, a field out of range, not found) is shown as it is.
  const technical = !!errorHint(error) && (error.status === 0 || error.status === 401 || error.status === 403 || error.status === 429 || error.status >= 500);
  return (
    <div role="alert" className="rounded-xl border border-red-200 bg-red-50 p-4 text-sm text-red-900">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="font-semibold">{title ?? strings.errors.title}</p>
          {hint && <p className="mt-1">{hint}</p>}
          {technical ? (
            <details className="mt-1 text-xs text-red-800">
              <summary className="cursor-pointer">{strings.errors.details}</summary>
              <p className="mt-1 break-words">{error.message}</p>
              <p className="mt-1">
                {strings.errors.reference} <span className="font-mono">{error.code}</span>
                {error.requestId && <span className="font-mono"> · {error.requestId}</span>}
              </p>
            </details>
          ) : (
            <>
              <p className="mt-1 break-words text-red-800">{error.message}</p>
              {!error.code.startsWith("WALLET") && (
                <p className="mt-1 text-xs text-red-700">
                  {strings.errors.reference} <span className="font-mono">{error.code}</span>
                  {error.requestId && <span className="font-mono"> · {error.requestId}</span>}
                </p>
              )}
            </>
          )}
        </div>
        {onRetry && (
          <button type="button" className={btn.secondary} onClick={onRetry}>
            {strings.app.tryAgain}
          </button>
        )}
      </div>
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded-2xl border border-dashed border-slate-300 bg-white p-8 text-center">
      <p className="font-semibold text-slate-800">{title}</p>
      {children && <div className="mt-1 text-sm text-slate-600">{children}</div>}
    </div>
  );
}

const chipTones = {
  slate: "bg-slate-100 text-slate-700 ring-slate-200",
  brand: "bg-brand-50 text-brand-700 ring-brand-200",
  green: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  amber: "bg-amber-50 text-amber-800 ring-amber-200",
  red: "bg-red-50 text-red-800 ring-red-200",
  violet: "bg-violet-50 text-violet-800 ring-violet-200",
  sky: "bg-sky-50 text-sky-800 ring-sky-200",
  pink: "bg-pink-50 text-pink-800 ring-pink-200",
};
export type Tone = keyof typeof chipTones;

export function Chip({ tone = "slate", children, title }: { tone?: Tone; children: ReactNode; title?: string }) {
  return (
    <span title={title} className={cx("inline-flex items-center rounded-full px-2.5 py-0.5 text-xs font-semibold ring-1 ring-inset", chipTones[tone])}>
      {children}
    </span>
  );
}

export const typeTone: Record<string, Tone> = { LESSON: "sky", BOUNTY: "amber", QUEST: "violet" };
export const statusTone: Record<string, Tone> = { OPEN: "green", DRAFT: "slate", CLOSED: "red" };
export const domainTone: Record<string, Tone> = { technical: "sky", creative: "pink", business: "amber" };
export const rarityTone: Record<string, Tone> = { COMMON: "slate", RARE: "sky", EPIC: "violet", LEGENDARY: "amber" };

/** A deterministic 5x5 mirrored identicon from the address bytes: no network, no library. */
export function Avatar({ address, size = 48 }: { address: string; size?: number }) {
  const hex = address.toLowerCase().replace(/^0x/, "").padEnd(40, "0");
  const byte = (i: number) => parseInt(hex.slice((i * 2) % 40, (i * 2) % 40 + 2), 16) || 0;
  const hue = Math.round((byte(0) / 255) * 360);
  const fg = `hsl(${hue} 65% 45%)`;
  const bg = `hsl(${(hue + 180) % 360} 60% 94%)`;
  const cells: ReactNode[] = [];
  for (let y = 0; y < 5; y++)
    for (let x = 0; x < 3; x++) {
      if (byte(1 + y * 3 + x) % 2 === 0) continue;
      cells.push(<rect key={`${x}-${y}`} x={x} y={y} width={1} height={1} fill={fg} />);
      if (x < 2) cells.push(<rect key={`m${x}-${y}`} x={4 - x} y={y} width={1} height={1} fill={fg} />);
    }
  return (
    <svg width={size} height={size} viewBox="-1 -1 7 7" className="shrink-0 rounded-xl" aria-hidden="true">
      <rect x={-1} y={-1} width={7} height={7} fill={bg} />
      {cells}
    </svg>
  );
}

export function Meter({ value, max = 100, label: text, tone = "bg-brand-600", track = "bg-slate-200" }: { value: number; max?: number; label: string; tone?: string; track?: string }) {
  const pct = Math.max(0, Math.min(100, (value / max) * 100));
  return (
    <div role="meter" aria-label={text} aria-valuemin={0} aria-valuemax={max} aria-valuenow={value} className={cx("h-2 w-full overflow-hidden rounded-full", track)}>
      <div className={cx("h-full rounded-full", tone)} style={{ width: `${pct}%` }} />
    </div>
  );
}

export function PageTitle({ children, sub, actions }: { children: ReactNode; sub?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
      <div className="min-w-0">
        <h1 id="page-title" tabIndex={-1} className="text-2xl font-bold tracking-tight text-slate-900 focus:outline-none sm:text-3xl">
          {children}
        </h1>
        {sub && <div className="mt-1 text-slate-600">{sub}</div>}
      </div>
      {actions}
    </div>
  );
}

/** "← Somewhere" above a page's title. */
export function BackLink({ to, children }: { to: string; children: ReactNode }) {
  return (
    <p className="mb-3 text-sm">
      <Link to={to} className="font-semibold text-brand-700 underline underline-offset-2">
        ← {children}
      </Link>
    </p>
  );
}
