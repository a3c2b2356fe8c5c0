// "Why did my score change?": a person's reputation receipt in people's words — the score now,
// what it is made of, what changed since the stored score, and each change before it.
import type { Receipt, ReputationChange } from "../api";
import { LineChart } from "../components/charts";
import { Card, Empty, ErrorNotice, PageTitle, Spinner } from "../components/ui";
import { formatNumber, isAddress, shortAddress } from "../format";
import { useAsync, useDocumentTitle } from "../hooks";
import { Link } from "../router";
import { useSession } from "../session";
import { strings } from "../strings";
import { ScoreParts, formatWhen, points, totalParts } from "./DashboardPage";

const k = strings.reputation;
const INPUTS = k.inputs;

function count(v: unknown): number | null {
  if (Array.isArray(v)) return v.length;
  if (typeof v === "number") return v;
  return null;
}

/** What a receipt's inputs hold, counted: validated work, active weeks, endorsements, chain. */
export function inputCounts(r: Receipt | null | undefined): Record<string, number> {
  const i = (r?.inputs ?? {}) as Record<string, unknown>;
  const chain = (i.chain ?? {}) as Record<string, unknown>;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries({ outcomes: i.outcomes, activeWeeks: i.activeWeeks, endorsements: i.endorsements, streakDays: i.streakDays, stakeTokens: chain.stakeTokens, badges: chain.badges, votes: chain.votes })) {
    const n = count(v);
    if (n !== null) out[k] = n;
  }
  return out;
}

/** The inputs that differ between two receipts, as sentences. */
export function changes(before: Record<string, number>, after: Record<string, number>): string[] {
  const out: string[] = [];
  for (const key of Object.keys(INPUTS)) {
    const a = before[key] ?? 0;
    const b = after[key] ?? 0;
    if (a !== b) out.push(k.inputChange(INPUTS[key], formatNumber(a), formatNumber(b)));
  }
  return out;
}

function scoreOf(r: Receipt | undefined): number | null {
  const s = r?.score as Record<string, unknown> | number | undefined;
  if (typeof s === "number") return s;
  if (s && typeof s === "object") {
    if (typeof s.total === "string" || typeof s.total === "number") return Number(s.total);
    if (typeof s.totalUpt === "number") return s.totalUpt / 1e6;
  }
  return null;
}

function Change({ c, older }: { c: ReputationChange; older?: ReputationChange }) {
  const what = changes(inputCounts(older?.receipt), inputCounts(c.receipt));
  const delta = c.previous === null ? null : Number(c.score) - Number(c.previous);
  return (
    <li className="py-3">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <p className="font-medium text-slate-900">
          {c.previous === null ? k.firstScore(points(c.score)) : k.fromTo(points(c.previous), points(c.score))}
          {delta !== null && delta !== 0 && (
            <span className={delta > 0 ? "ml-2 text-emerald-800" : "ml-2 text-red-800"}>
              {k.delta(delta > 0 ? "+" : "", points(delta))}
            </span>
          )}
        </p>
        <p className="text-xs text-slate-600">{formatWhen(c.asOf)}</p>
      </div>
      {older && (what.length ? <p className="mt-1 text-sm text-slate-700">{k.whatChanged(what.join("; "))}</p> : <p className="mt-1 text-sm text-slate-700">{k.sameInputs}</p>)}
    </li>
  );
}

export function ReputationPage({ address }: { address: string }) {
  const { client, me } = useSession();
  const valid = isAddress(address);
  const user = useAsync(() => (valid ? client.user(address) : Promise.resolve(undefined)), [address]);
  const receipt = useAsync(() => (valid ? client.explain(address) : Promise.resolve(undefined)), [address]);
  const history = useAsync(() => (valid ? client.reputationHistory(address, undefined, 50) : Promise.resolve(undefined)), [address]);
  const mine = me?.address.toLowerCase() === address.toLowerCase();
  const name = k.whose(mine, user.data?.displayName || shortAddress(address));
  useDocumentTitle(k.titleOf(name));

  if (!valid)
    return (
      <>
        <PageTitle>{k.title}</PageTitle>
        <Empty title={k.notAddress}>{k.addressShape}</Empty>
      </>
    );
  if (user.error?.status === 404 || receipt.error?.status === 404)
    return (
      <>
        <PageTitle>{k.title}</PageTitle>
        <Empty title={k.noAccount} />
      </>
    );

  const r = receipt.data;
  const now = scoreOf(r);
  const prev = r?.previous && typeof r.previous === "object" ? (r.previous as Record<string, unknown>) : null;
  const before = prev && typeof prev.totalUpt === "number" ? prev.totalUpt / 1e6 : null;
  const diff = (r?.diff ?? {}) as Record<string, unknown>;
  const diffInputs = (diff.inputs ?? {}) as Record<string, { before?: number; after?: number }>;
  const inputChanges = Object.entries(diffInputs)
    .filter(([, v]) => v && v.before !== v.after)
    .map(([key, v]) => k.inputChange(INPUTS[key] ?? key, formatNumber(Number(v.before ?? 0)), formatNumber(Number(v.after ?? 0))));
  const t = totalParts(r);
  const items = history.data?.items ?? [];

  return (
    <>
      <PageTitle sub={<Link to={`/wallet/${address}`} className="text-brand-700 underline underline-offset-2">{k.back}</Link>}>{k.titleOf(name)}</PageTitle>
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
        <Card aria-labelledby="h-now">
          <h2 id="h-now" className="text-lg font-semibold">
            {k.now}
          </h2>
          {receipt.error ? (
            <ErrorNotice error={receipt.error} onRetry={receipt.reload} />
          ) : !r ? (
            <Spinner />
          ) : (
            <div className="mt-2 space-y-4">
              <p className="text-3xl font-bold tabular-nums" data-testid="receipt-score">
                {now === null ? "—" : points(now)}
                <span className="text-sm font-medium text-slate-600">{k.outOf100}</span>
              </p>
              <div data-testid="receipt-change">
                <h3 className="font-semibold">{k.sinceStored}</h3>
                {before === null ? (
                  <p className="text-sm text-slate-700">{k.first}</p>
                ) : (
                  <p className="text-sm text-slate-700">
                    {k.fromTo(points(before), now === null ? "—" : points(now))}.{" "}
                    {inputChanges.length ? k.whatChanged(inputChanges.join("; ")) : k.nothingYouDid}
                  </p>
                )}
              </div>
              <ScoreParts receipt={r} />
              <ul className="space-y-1 text-sm text-slate-700">
                {typeof t.multiplierPpm === "number" && t.multiplierPpm !== 1000000 && <li>{k.multiplier((t.multiplierPpm / 1e6).toFixed(2))}</li>}
                {typeof t.bonusUpt === "number" && t.bonusUpt > 0 && <li>{k.streakBonus(points(t.bonusUpt / 1e6))}</li>}
                {typeof t.decayPpm === "number" && t.decayPpm > 0 && <li>{k.decay(Math.round(t.decayPpm / 10000))}</li>}
              </ul>
              <details className="text-sm">
                <summary className="cursor-pointer text-brand-700">{k.fullReceipt}</summary>
                <p className="mt-1 text-slate-600">{k.fullReceiptText(String(r.formula))}</p>
                <pre className="mt-2 max-h-80 overflow-auto rounded-lg bg-slate-900 p-3 text-xs text-slate-100">{JSON.stringify(r, null, 2)}</pre>
              </details>
            </div>
          )}
        </Card>
        <Card aria-labelledby="h-changes">
          <h2 id="h-changes" className="text-lg font-semibold">
            {k.every}
          </h2>
          {history.error ? (
            <ErrorNotice error={history.error} onRetry={history.reload} />
          ) : !history.data ? (
            <Spinner />
          ) : items.length ? (
            <>
              <div className="mt-3">
                <LineChart points={items.filter((h) => h.asOf).map((h) => ({ at: h.asOf!, value: Number(h.score) }))} label={k.overTime(name)} />
              </div>
              <ol className="mt-3 divide-y divide-slate-100" aria-label={k.changesList}>
                {items.map((c, i) => (
                  <Change key={c.id} c={c} older={items[i + 1]} />
                ))}
              </ol>
            </>
          ) : (
            <p className="mt-2 text-sm text-slate-600">{k.noChange}</p>
          )}
        </Card>
      </div>
    </>
  );
}
