// The signed-in person's dashboard: level, XP to the next level, streak and its deadline,
// reputation with its parts and its history, what happens live (SSE), and tasks to do next.
import { useEffect, useState } from "react";
import type { Receipt } from "../api";
import { LevelRing, LineChart } from "../components/charts";
import { Card, Chip, Empty, ErrorNotice, PageTitle, Spinner, btn, typeTone } from "../components/ui";
import { formatNumber, formatReward, levelName, taskWord, titleCase } from "../format";
import { useAsync, useDocumentTitle } from "../hooks";
import { Link } from "../router";
import { useSession } from "../session";
import { strings } from "../strings";

const k = strings.dashboard;
const ev = strings.dashboard.events;

export function formatWhen(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  return d.toLocaleString("en-GB", { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

/** A score from the API (points, or micro-points in events) as "47.3". */
export function points(v: unknown): string {
  const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : NaN;
  return Number.isFinite(n) ? (Math.round(n * 10) / 10).toString() : "—";
}

/** The parts of a score (their words: strings.dashboard.parts), from a receipt's intermediates
 *  (docs/reputation.md). */
const PARTS = ["qualityPpm", "consistencyPpm", "endorsementPpm", "onchainPpm"].map((key) => ({ key, ...strings.dashboard.parts[key] }));

function num(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return null;
}

/** The total's intermediates, wherever the receipt keeps them. */
export function totalParts(r: Receipt | undefined): Record<string, unknown> {
  const im = r?.intermediates;
  if (!im || typeof im !== "object") return {};
  const t = (im as Record<string, unknown>).all ?? (im as Record<string, unknown>).total;
  return t && typeof t === "object" ? (t as Record<string, unknown>) : (im as Record<string, unknown>);
}

/** A share in parts per million as a percentage. */
export function ppmPercent(v: unknown): number | null {
  const n = num(v);
  return n === null ? null : Math.max(0, Math.min(100, n / 10000));
}

export function ScoreParts({ receipt }: { receipt: Receipt | undefined }) {
  const t = totalParts(receipt);
  const rows = PARTS.map((p) => ({ ...p, pct: ppmPercent(t[p.key]) })).filter((p) => p.pct !== null);
  if (!rows.length) return <p className="text-sm text-slate-600">{k.partsUnavailable}</p>;
  return (
    <ul className="space-y-3" aria-label={k.partsList}>
      {rows.map((p) => (
        <li key={p.key}>
          <div className="flex items-baseline justify-between gap-3 text-sm">
            <span className="font-medium text-slate-800">{p.label}</span>
            <span className="tabular-nums text-slate-700">{k.percent(Math.round(p.pct!))}</span>
          </div>
          <div role="meter" aria-label={k.partOf(p.label, Math.round(p.pct!))} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(p.pct!)} className="mt-1 h-2 overflow-hidden rounded-full bg-slate-200">
            <div className="h-full rounded-full bg-emerald-600" style={{ width: `${p.pct}%` }} />
          </div>
          <p className="mt-0.5 text-xs text-slate-600">{p.hint}</p>
        </li>
      ))}
    </ul>
  );
}

interface Activity {
  id: string;
  kind: string;
  text: string;
  at: string;
}

const KINDS = [
  "xp.awarded",
  "level.up",
  "skill.level_up",
  "streak.extended",
  "quest.step_done",
  "quest.completed",
  "badge.awarded",
  "badge.revoked",
  "reputation.changed",
  "endorsement.created",
  "submission.approved",
  "guild.level_up",
  "guild.achievement",
];

/** One event in people's words. */
export function describeEvent(kind: string, raw: unknown): string {
  const env = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const d = (env.data && typeof env.data === "object" ? env.data : env) as Record<string, unknown>;
  const n = (k: string) => (typeof d[k] === "number" ? formatNumber(d[k] as number) : String(d[k] ?? ""));
  switch (kind) {
    case "xp.awarded":
      return ev.xp(n("xp"), !!num(d.critical), n("total"));
    case "level.up":
      return ev.level(levelName(String(d.to ?? "")));
    case "skill.level_up":
      return ev.skill(n("level") || n("to"));
    case "streak.extended":
      return ev.streak(n("days"));
    case "quest.step_done":
      return ev.questStep;
    case "quest.completed":
      return ev.quest;
    case "badge.awarded":
      return ev.badge;
    case "badge.revoked":
      return ev.badgeRevoked;
    case "reputation.changed": {
      const s = num(d.score);
      return s === null ? ev.reputation : ev.reputationNow(points(s / 1e6));
    }
    case "endorsement.created":
      return ev.endorsed;
    case "submission.approved":
      return ev.approved;
    case "guild.level_up":
      return ev.guildLevel;
    case "guild.achievement":
      return ev.guildAchievement;
    default:
      return titleCase(kind.replace(/[._]/g, " "));
  }
}

/** Events about the person, live: EventSource resumes by itself (Last-Event-ID) after a drop. */
/** "UTC+05:30" for 330 minutes east of UTC. */
export function utcOffsetLabel(min: number): string {
  const a = Math.abs(min);
  return `UTC${min < 0 ? "−" : "+"}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
}

/** Streak days end at midnight in the person's time zone; offers this device's when it differs. */
function TimeZone({ offset, onChanged }: { offset: number; onChanged: () => void }) {
  const { client } = useSession();
  const here = -new Date().getTimezoneOffset();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  return (
    <div className="mt-3 text-sm text-slate-700">
      <p>
        {k.daysEnd} <span data-testid="streak-zone">{utcOffsetLabel(offset)}</span>.
      </p>
      {here !== offset && here >= -720 && here <= 840 && (
        <button
          type="button"
          className={`${btn.secondary} mt-2`}
          disabled={busy}
          onClick={() => {
            setBusy(true);
            setFailed(false);
            client
              .setTimeZone(here)
              .then(onChanged, () => setFailed(true))
              .finally(() => setBusy(false));
          }}
        >
          {k.useDeviceZone(utcOffsetLabel(here))}
        </button>
      )}
      {failed && <p role="alert" className="mt-1 text-red-800">{k.zoneNotSaved}</p>}
    </div>
  );
}

function useActivity(address: string | undefined) {
  const [items, setItems] = useState<Activity[]>([]);
  const [state, setState] = useState<"connecting" | "live" | "retrying">("connecting");
  useEffect(() => {
    if (!address || typeof EventSource === "undefined") return;
    const es = new EventSource(`/api/v1/events?person=${encodeURIComponent(address)}&kinds=${KINDS.join(",")}`, { withCredentials: true });
    es.onopen = () => setState("live");
    es.onerror = () => setState("retrying");
    const on = (e: MessageEvent) => {
      let data: unknown = null;
      try {
        data = JSON.parse(e.data);
      } catch {
        /* not JSON: described by its kind alone */
      }
      const at = (data as { at?: unknown; createdAt?: unknown } | null)?.at ?? (data as { createdAt?: unknown } | null)?.createdAt;
      const item = { id: e.lastEventId || String(Date.now()), kind: e.type, text: describeEvent(e.type, data), at: typeof at === "string" ? at : new Date().toISOString() };
      setItems((old) => (old.some((o) => o.id === item.id) ? old : [item, ...old].slice(0, 20)));
    };
    for (const k of KINDS) es.addEventListener(k, on as EventListener);
    return () => es.close();
  }, [address]);
  return { items, state };
}

export function DashboardPage() {
  const s = useSession();
  useDocumentTitle(k.title);
  const address = s.me?.address;
  const progress = useAsync(() => (address ? s.client.progress() : Promise.resolve(undefined)), [address]);
  const rep = useAsync(() => (address ? s.client.reputation(address) : Promise.resolve(undefined)), [address]);
  const receipt = useAsync(() => (address ? s.client.explain(address) : Promise.resolve(undefined)), [address]);
  const history = useAsync(() => (address ? s.client.reputationHistory(address, undefined, 50) : Promise.resolve(undefined)), [address]);
  const recs = useAsync(() => (address ? s.client.recommendations(5) : Promise.resolve(undefined)), [address]);
  const activity = useActivity(address);

  if (s.status === "checking") return <Spinner label={k.checking} />;
  if (!s.me)
    return (
      <>
        <PageTitle>{k.heading}</PageTitle>
        <Empty title={k.signInTitle}>
          <p>{k.signInText}</p>
          <button type="button" className={`${btn.primary} mt-4`} onClick={s.openSignIn}>
            {strings.app.signIn}
          </button>
        </Empty>
      </>
    );

  const p = progress.data;
  const points_ = (history.data?.items ?? []).filter((h) => h.asOf).map((h) => ({ at: h.asOf!, value: Number(h.score) }));
  return (
    <>
      <PageTitle sub={k.sub}>{k.hello(s.me.displayName)}</PageTitle>
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <Card aria-labelledby="h-level">
          <h2 id="h-level" className="text-lg font-semibold">
            {k.level}
          </h2>
          {progress.error ? (
            <ErrorNotice error={progress.error} onRetry={progress.reload} />
          ) : !p ? (
            <Spinner />
          ) : (
            <div className="mt-3 flex flex-col items-center gap-2">
              <LevelRing xp={p.xp} level={levelName(p.level)} toNext={p.xpToNextLevel} />
              <p className="text-sm text-slate-700">
                <span className="font-semibold tabular-nums" data-testid="dashboard-xp">
                  {k.xp(formatNumber(p.xp))}
                </span>{" "}
                {k.inAll}
              </p>
            </div>
          )}
        </Card>

        <Card aria-labelledby="h-streak">
          <h2 id="h-streak" className="text-lg font-semibold">
            {k.streak}
          </h2>
          {p ? (
            <div className="mt-3">
              <p className="text-3xl font-bold tabular-nums" data-testid="streak-days">
                {k.days(p.streak.days)}
              </p>
              <p className="mt-1 text-sm text-slate-700">{k.longest(p.streak.longest)}</p>
              {p.streak.nextDeadline ? (
                <p className="mt-2 text-sm text-slate-700" data-testid="streak-deadline">
                  {k.keepGoing} <strong>{formatWhen(p.streak.nextDeadline)}</strong>.
                </p>
              ) : (
                <p className="mt-2 text-sm text-slate-700" data-testid="streak-deadline">
                  {k.startStreak}
                </p>
              )}
              {p.streak.multiplierPct > 100 && <p className="mt-1 text-sm text-emerald-800">{k.streakAdds(p.streak.multiplierPct - 100)}</p>}
              <TimeZone offset={p.streak.utcOffsetMinutes} onChanged={progress.reload} />
            </div>
          ) : (
            !progress.error && <Spinner />
          )}
        </Card>

        <Card aria-labelledby="h-rep">
          <h2 id="h-rep" className="text-lg font-semibold">
            {k.reputation}
          </h2>
          {rep.error ? (
            <ErrorNotice error={rep.error} onRetry={rep.reload} />
          ) : !rep.data ? (
            <Spinner />
          ) : (
            <div className="mt-3 space-y-3">
              <p className="text-3xl font-bold tabular-nums" data-testid="dashboard-reputation">
                {points(rep.data.score)}
                <span className="text-sm font-medium text-slate-600">{k.outOf100}</span>
              </p>
              {!rep.data.computed && <p className="text-sm text-slate-600">{k.notComputed}</p>}
              {receipt.error ? <ErrorNotice error={receipt.error} onRetry={receipt.reload} /> : <ScoreParts receipt={receipt.data} />}
              <Link to={`/reputation/${s.me.address}`} className="text-sm font-semibold text-brand-700 underline underline-offset-2">
                {k.why}
              </Link>
            </div>
          )}
        </Card>
      </div>

      <div className="mt-6 grid grid-cols-1 gap-6 lg:grid-cols-2">
        <Card aria-labelledby="h-history">
          <h2 id="h-history" className="text-lg font-semibold">
            {k.overTime}
          </h2>
          {history.error ? (
            <ErrorNotice error={history.error} onRetry={history.reload} />
          ) : !history.data ? (
            <Spinner />
          ) : points_.length ? (
            <div className="mt-3">
              <LineChart points={points_} label={k.overTimeChart} />
            </div>
          ) : (
            <p className="mt-3 text-sm text-slate-600">{k.noHistory}</p>
          )}
        </Card>

        <Card aria-labelledby="h-activity">
          <div className="flex flex-wrap items-center justify-between gap-2">
            <h2 id="h-activity" className="text-lg font-semibold">
              {k.activity}
            </h2>
            <Chip tone={activity.state === "live" ? "green" : "slate"}>{activity.state === "live" ? k.live : activity.state === "retrying" ? k.reconnecting : k.connecting}</Chip>
          </div>
          <ul className="mt-3 divide-y divide-slate-100" aria-label={k.activity} aria-live="polite" data-testid="activity">
            {activity.items.map((a) => (
              <li key={a.id} className="py-2 text-sm">
                <p className="text-slate-900">{a.text}</p>
                <p className="text-xs text-slate-600">{formatWhen(a.at)}</p>
              </li>
            ))}
          </ul>
          {!activity.items.length && <p className="mt-2 text-sm text-slate-600">{k.nothingNew}</p>}
        </Card>
      </div>

      <Card aria-labelledby="h-recs" className="mt-6">
        <h2 id="h-recs" className="text-lg font-semibold">
          {k.forYou}
        </h2>
        {recs.error ? (
          <ErrorNotice error={recs.error} onRetry={recs.reload} />
        ) : !recs.data ? (
          <Spinner />
        ) : recs.data.items.length ? (
          <ul className="mt-3 divide-y divide-slate-100" aria-label={k.recommended}>
            {recs.data.items.map((r) => (
              <li key={r.task.id} className="py-3">
                <div className="flex flex-wrap items-center gap-2">
                  <Link to={`/tasks/${r.task.id}`} className="font-semibold text-slate-900 underline-offset-2 hover:underline">
                    {r.task.title}
                  </Link>
                  <Chip tone={typeTone[r.task.type] ?? "slate"}>{taskWord(r.task.type)}</Chip>
                </div>
                <p className="mt-1 text-sm text-slate-700">{r.reasons}</p>
                <p className="mt-0.5 text-xs text-slate-600">
                  {k.reward(formatNumber(r.task.xpReward))}{r.task.tokenReward !== "0" && ` · ${formatReward(r.task.tokenReward)}`}
                </p>
              </li>
            ))}
          </ul>
        ) : (
          <p className="mt-3 text-sm text-slate-600">
            {k.noFit}{" "}
            <Link to="/tasks" className="font-semibold text-brand-700 underline">
              {k.browse}
            </Link>
            .
          </p>
        )}
      </Card>
    </>
  );
}
