import type { ChangeEvent } from "react";
import type { GuildType } from "../api";
import { titleCase } from "../format";
import { useDocumentTitle, usePaged } from "../hooks";
import { Link, navigate, useLocation } from "../router";
import { useSession } from "../session";
import { Chip, Empty, ErrorNotice, PageTitle, Spinner, btn, cx, input, label } from "../components/ui";

const TYPES: GuildType[] = ["SKILL", "GEO", "INTEREST"];
import { strings } from "../strings";

const gs = strings.guilds;

export const guildTypeTone = { SKILL: "brand", GEO: "green", INTEREST: "pink" } as const;

export function GuildsPage() {
  useDocumentTitle(gs.title);
  const { client } = useSession();
  const { query } = useLocation();
  const t = query.get("type");
  const type = t && (TYPES as string[]).includes(t) ? (t as GuildType) : undefined;
  const guilds = usePaged((cursor) => client.guilds(type, cursor), [type]);

  function setType(e: ChangeEvent<HTMLSelectElement>) {
    navigate(e.target.value ? `/guilds?type=${e.target.value}` : "/guilds", { replace: true });
  }

  return (
    <>
      <PageTitle
        sub={gs.sub}
        actions={
          <div className="w-48">
            <label htmlFor="g-type" className={label}>
              {gs.type}
            </label>
            <select id="g-type" className={cx(input, "mt-1")} value={type ?? ""} onChange={setType}>
              <option value="">{gs.anyType}</option>
              {TYPES.map((x) => (
                <option key={x} value={x}>
                  {titleCase(x)}
                </option>
              ))}
            </select>
          </div>
        }
      >
        {gs.title}
      </PageTitle>
      {guilds.loading ? (
        <Spinner label={gs.loading} />
      ) : guilds.error && guilds.items.length === 0 ? (
        <ErrorNotice error={guilds.error} title={gs.failed} onRetry={guilds.reload} />
      ) : guilds.items.length === 0 ? (
        <Empty title={gs.empty}>{gs.emptyText}</Empty>
      ) : (
        <>
          <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" aria-label={gs.title}>
            {guilds.items.map((g) => (
              <li key={g.id} className="group relative rounded-2xl border border-slate-200 bg-white p-5 shadow-sm transition hover:border-brand-300 hover:shadow-md">
                <div className="flex items-center justify-between gap-2">
                  <Chip tone={guildTypeTone[g.type] ?? "slate"}>{titleCase(g.type)}</Chip>
                  <span className="text-sm text-slate-600">
                    {gs.members(g.memberCount)}
                  </span>
                </div>
                <h2 className="mt-3 text-base font-semibold">
                  <Link to={`/guilds/${g.slug}`} className="rounded after:absolute after:inset-0 after:rounded-2xl after:content-[''] group-hover:text-brand-700">
                    {g.name}
                  </Link>
                </h2>
                {g.description && <p className="mt-1 line-clamp-3 text-sm text-slate-600">{g.description}</p>}
              </li>
            ))}
          </ul>
          {guilds.error && <div className="mt-4"><ErrorNotice error={guilds.error} onRetry={guilds.loadMore} /></div>}
          {guilds.hasMore && (
            <div className="mt-6 flex justify-center">
              <button type="button" className={btn.secondary} onClick={guilds.loadMore} disabled={guilds.loadingMore}>
                {guilds.loadingMore ? strings.app.loading : gs.loadMore}
              </button>
            </div>
          )}
        </>
      )}
    </>
  );
}
