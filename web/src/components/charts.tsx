// Small charts drawn as SVG, each with a text equivalent for screen readers.
import { formatNumber, levelName, levelProgress } from "../format";
import { strings } from "../strings";

const k = strings.charts;

/** The person's level as a ring: how far through the current level their XP is. */
export function LevelRing({ xp, level, toNext, size = 132 }: { xp: number; level: string; toNext: number; size?: number }) {
  const p = levelProgress(xp);
  const r = 52;
  const c = 2 * Math.PI * r;
  const done = (p.percent / 100) * c;
  return (
    <figure className="flex flex-col items-center" data-testid="level-ring">
      <svg width={size} height={size} viewBox="0 0 120 120" role="img" aria-label={k.ring(level, p.percent, p.next ? levelName(p.next) : null)}>
        <circle cx="60" cy="60" r={r} fill="none" className="stroke-slate-200" strokeWidth="10" />
        <circle cx="60" cy="60" r={r} fill="none" className="stroke-brand-600" strokeWidth="10" strokeLinecap="round" strokeDasharray={`${done} ${c}`} transform="rotate(-90 60 60)" />
        <text x="60" y="56" textAnchor="middle" className="fill-slate-900" fontSize="16" fontWeight="700">
          {level}
        </text>
        <text x="60" y="76" textAnchor="middle" className="fill-slate-600" fontSize="11">
          {k.percent(p.percent)}
        </text>
      </svg>
      <figcaption className="mt-2 text-center text-sm text-slate-700">
        {toNext > 0 ? (
          <>
            <span className="font-semibold tabular-nums" data-testid="xp-to-next">
              {k.xp(formatNumber(toNext))}
            </span>{" "}
            {k.to(p.next ? levelName(p.next) : null)}
          </>
        ) : (
          k.highest
        )}
      </figcaption>
    </figure>
  );
}

export interface Point {
  at: string;
  value: number;
}

/** A line of values over time, oldest on the left; the same values as a table under a disclosure. */
export function LineChart({ points, label, max = 100 }: { points: Point[]; label: string; max?: number }) {
  const W = 320;
  const H = 120;
  const pad = 8;
  const sorted = [...points].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const t0 = sorted.length ? Date.parse(sorted[0].at) : 0;
  const t1 = sorted.length ? Date.parse(sorted[sorted.length - 1].at) : 1;
  const x = (t: number) => (t1 === t0 ? W / 2 : pad + ((t - t0) / (t1 - t0)) * (W - 2 * pad));
  const y = (v: number) => H - pad - (Math.max(0, Math.min(max, v)) / max) * (H - 2 * pad);
  const line = sorted.map((p) => `${x(Date.parse(p.at)).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
  const first = sorted[0]?.value;
  const last = sorted[sorted.length - 1]?.value;
  return (
    <figure className="min-w-0">
      <svg viewBox={`0 0 ${W} ${H}`} className="h-auto w-full" role="img" aria-label={k.line(label, sorted.length, first?.toFixed(1) ?? "—", last?.toFixed(1) ?? "—")}>
        <line x1={pad} x2={W - pad} y1={y(0)} y2={y(0)} className="stroke-slate-300" />
        <line x1={pad} x2={W - pad} y1={y(max / 2)} y2={y(max / 2)} className="stroke-slate-200" strokeDasharray="4 4" />
        {sorted.length > 1 && <polyline points={line} fill="none" className="stroke-brand-600" strokeWidth="2.5" strokeLinejoin="round" />}
        {sorted.map((p, i) => (
          <circle key={i} cx={x(Date.parse(p.at))} cy={y(p.value)} r="3" className="fill-brand-600" />
        ))}
      </svg>
      <details className="mt-2 text-sm">
        <summary className="cursor-pointer text-brand-700">{k.asTable}</summary>
        <table className="mt-2 w-full text-left text-sm">
          <caption className="sr-only">{label}</caption>
          <thead>
            <tr>
              <th scope="col" className="py-1 font-medium">
                {k.when}
              </th>
              <th scope="col" className="py-1 text-right font-medium">
                {k.score}
              </th>
            </tr>
          </thead>
          <tbody>
            {[...sorted].reverse().map((p, i) => (
              <tr key={i} className="border-t border-slate-100">
                <td className="py-1">{new Date(p.at).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" })}</td>
                <td className="py-1 text-right tabular-nums">{p.value.toFixed(2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
