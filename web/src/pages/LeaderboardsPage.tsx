// Leaderboards: everyone by XP, by skill, by guild, by season, and guilds among themselves.
// The board and its choice live in the URL (?board=skill&of=solidity); "Find me" asks the server
// for the page around the signed-in person (?around=ADDRESS).
import { useEffect, useState } from "react";
import type { Board, BoardKind, BoardRow, GuildBoardRow } from "../api";
import { Card, Empty, ErrorNotice, PageTitle, Spinner, btn, cx, input, label } from "../components/ui";
import { formatDate, shortAddress } from "../format";
import { toApiError, useAsync, useDocumentTitle } from "../hooks";
import { Link, navigate, useLocation } from "../router";
import { useSession } from "../session";
import type { ApiError } from "../api";
import { strings } from "../strings";

type Tab = BoardKind | "guilds";
const L = strings.leaderboards;
const TABS: { id: Tab; label: string }[] = (["global", "skill", "guild", "season", "guilds"] as Tab[]).map((id) => ({ id, label: L.tabs[id] }));

function href(tab: Tab, of?: string, around?: boolean) {
  const q = new URLSearchParams();
  if (tab !== "global") q.set("board", tab);
  if (of) q.set("of", of);
  if (around) q.set("around", "me");
  const s = q.toString();
  return `/leaderboards${s ? `?${s}` : ""}`;
}

export function People({ rows, me }: { rows: BoardRow[]; me?: string }) {
  return (
    <ol className="divide-y divide-slate-100" aria-label={L.ranking}>
      {rows.map((r) => {
        const mine = !!me && r.address.toLowerCase() === me.toLowerCase();
        return (
          <li key={r.address} className={cx("flex items-center gap-3 py-2", mine && "rounded-lg bg-brand-50 px-2")} aria-current={mine ? "true" : undefined} data-testid={mine ? "board-me" : undefined}>
            <span className="w-12 shrink-0 text-right font-semibold tabular-nums text-slate-700">#{r.rank}</span>
            <Link to={`/wallet/${r.address}`} className="min-w-0 flex-1 truncate font-medium text-slate-900 underline-offset-2 hover:underline">
              {r.displayName || shortAddress(r.address)}
              {mine && <span className="ml-2 text-xs font-semibold text-brand-700">{L.you}</span>}
            </Link>
            <span className="shrink-0 tabular-nums text-slate-700">{L.xp(r.xp)}</span>
          </li>
        );
      })}
    </ol>
  );
}

export function LeaderboardsPage() {
  useDocumentTitle(L.title);
  const { query } = useLocation();
  const s = useSession();
  const tab = (TABS.find((t) => t.id === query.get("board"))?.id ?? "global") as Tab;
  const of = query.get("of") ?? "";
  const around = query.get("around") === "me" && s.me ? s.me.address : undefined;

  const skills = useAsync(() => (tab === "skill" ? s.client.skills() : Promise.resolve(undefined)), [tab]);
  const guilds = useAsync(() => (tab === "guild" ? s.client.guilds() : Promise.resolve(undefined)), [tab]);
  const seasons = useAsync(() => (tab === "season" ? s.client.seasons() : Promise.resolve(undefined)), [tab]);

  const [rows, setRows] = useState<BoardRow[]>([]);
  const [guildRows, setGuildRows] = useState<GuildBoardRow[]>([]);
  const [head, setHead] = useState<Board | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [nonce, setNonce] = useState(0);
  const needsChoice = tab !== "global" && tab !== "guilds" && !of;

  useEffect(() => {
    let live = true;
    setRows([]);
    setGuildRows([]);
    setHead(null);
    setCursor(null);
    setError(null);
    if (needsChoice) {
      setLoading(false);
      return;
    }
    setLoading(true);
    const p =
      tab === "guilds"
        ? s.client.guildBoard(undefined, 25).then((b) => live && (setGuildRows(b.items), setCursor(b.nextCursor)))
        : s.client.board(tab, of, { limit: 25, around }).then((b) => live && (setHead(b), setRows(b.items), setCursor(b.nextCursor)));
    p.catch((e) => live && setError(toApiError(e))).finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [tab, of, around, nonce, needsChoice, s.client]);

  function more() {
    if (!cursor) return;
    setLoading(true);
    const p =
      tab === "guilds"
        ? s.client.guildBoard(cursor, 25).then((b) => (setGuildRows((o) => [...o, ...b.items]), setCursor(b.nextCursor)))
        : s.client.board(tab, of, { limit: 25, cursor }).then((b) => (setRows((o) => [...o, ...b.items]), setCursor(b.nextCursor)));
    p.catch((e) => setError(toApiError(e))).finally(() => setLoading(false));
  }

  const choices: { value: string; label: string }[] | undefined =
    tab === "skill"
      ? skills.data?.items.map((k) => ({ value: k.slug, label: k.name }))
      : tab === "guild"
        ? guilds.data?.items.map((g) => ({ value: g.slug, label: g.name }))
        : tab === "season"
          ? seasons.data?.items.map((x) => ({ value: String(x.id), label: `${x.name} (${formatDate(x.startsAt)} – ${formatDate(x.endsAt)})` }))
          : undefined;
  const choiceLabel = L.choice[tab] ?? L.choice.season;
  const notOnBoard = error?.status === 404 && !!around;

  return (
    <>
      <PageTitle sub={L.sub}>{L.title}</PageTitle>
      <nav aria-label={L.title} className="mb-4">
        <ul className="flex flex-wrap gap-2">
          {TABS.map((t) => (
            <li key={t.id}>
              <Link
                to={href(t.id)}
                aria-current={t.id === tab ? "page" : undefined}
                className={cx("inline-block rounded-full px-4 py-1.5 text-sm font-semibold ring-1 ring-inset", t.id === tab ? "bg-brand-600 text-white ring-brand-600" : "bg-white text-slate-800 ring-slate-300 hover:bg-slate-50")}
              >
                {t.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>

      <Card>
        <div className="mb-4 flex flex-wrap items-end justify-between gap-3">
          {choices !== undefined || tab === "skill" || tab === "guild" || tab === "season" ? (
            <div className="min-w-0 max-w-full sm:w-72">
              <label htmlFor="board-of" className={label}>
                {choiceLabel}
              </label>
              <select id="board-of" className={cx(input, "mt-1")} value={of} onChange={(e) => navigate(href(tab, e.target.value), { replace: true })}>
                <option value="">{L.choose(choiceLabel)}</option>
                {(choices ?? []).map((c) => (
                  <option key={c.value} value={c.value}>
                    {c.label}
                  </option>
                ))}
              </select>
            </div>
          ) : (
            <h2 className="text-lg font-semibold">{tab === "guilds" ? L.guildsHeading : L.globalHeading}</h2>
          )}
          {s.me && tab !== "guilds" && !needsChoice && (
            // distinct keys: a new link, not one that fades from one colour scheme to the other
            <div className="flex gap-2">
              {around ? (
                <Link key="top" to={href(tab, of)} className={btn.secondary}>
                  {L.backToTop}
                </Link>
              ) : (
                <Link key="find" to={href(tab, of, true)} className={btn.primary}>
                  {L.findMe}
                </Link>
              )}
            </div>
          )}
        </div>

        {head?.board === "guild" && head.guildXp !== undefined && (
          <p className="mb-3 text-sm text-slate-700">
            {L.guildXp(head.guildXp, head.guildRank)}
          </p>
        )}
        {head && <p className="mb-2 text-sm text-slate-600">{L.onBoard(head.total)}</p>}

        {needsChoice ? (
          <p className="text-sm text-slate-600">{L.chooseToSee(choiceLabel)}{tab === "season" && seasons.data && !seasons.data.items.length && L.noSeasons}</p>
        ) : notOnBoard ? (
          <Empty title={L.notOnBoard}>{L.notOnBoardText}</Empty>
        ) : error ? (
          <ErrorNotice error={error} onRetry={() => setNonce((n) => n + 1)} />
        ) : tab === "guilds" ? (
          guildRows.length ? (
            <ol className="divide-y divide-slate-100" aria-label={L.ranking}>
              {guildRows.map((g) => (
                <li key={g.slug} className="flex items-center gap-3 py-2">
                  <span className="w-12 shrink-0 text-right font-semibold tabular-nums text-slate-700">#{g.rank}</span>
                  <Link to={`/guilds/${g.slug}`} className="min-w-0 flex-1 truncate font-medium text-slate-900 underline-offset-2 hover:underline">
                    {g.name}
                  </Link>
                  <span className="shrink-0 tabular-nums text-slate-700">{L.xp(Number(g.xp ?? g.guildXp ?? 0))}</span>
                </li>
              ))}
            </ol>
          ) : (
            !loading && <Empty title={L.noGuildXp} />
          )
        ) : rows.length ? (
          <People rows={rows} me={s.me?.address} />
        ) : (
          !loading && <Empty title={L.nobody}>{L.nobodyText}</Empty>
        )}
        {loading && <Spinner />}
        {cursor && !loading && !error && (
          <button type="button" className={cx(btn.secondary, "mt-4")} onClick={more}>
            {strings.app.showMore}
          </button>
        )}
      </Card>
    </>
  );
}
