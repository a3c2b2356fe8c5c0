import { useState, type ChangeEvent, type FormEvent } from "react";
import type { GuildType } from "../api";
import { titleCase } from "../format";
import { useAction, useDocumentTitle, usePaged } from "../hooks";
import { Link, navigate, useLocation } from "../router";
import { useSession } from "../session";
import { Card, Chip, Empty, ErrorNotice, PageTitle, Spinner, btn, cx, input, label } from "../components/ui";

const TYPES: GuildType[] = ["SKILL", "GEO", "INTEREST"];
import { strings } from "../strings";

const gs = strings.guilds;

export const guildTypeTone = { SKILL: "brand", GEO: "green", INTEREST: "pink" } as const;

const typeName = (t: string) => gs.typeNames[t] ?? titleCase(t);
const SLUG = /^[a-z0-9-]{3,64}$/;

/** A slug from a name: "Solidity Builders" → "solidity-builders". */
export function slugOf(name: string): string {
  return name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 64);
}

/** Found a guild (POST /guilds): the founder becomes its owner, and its page opens. */
function FoundGuild() {
  const s = useSession();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const [edited, setEdited] = useState(false);
  const [type, setType] = useState<GuildType>("SKILL");
  const [description, setDescription] = useState("");
  const [bad, setBad] = useState(false);
  const { busy, error, run } = useAction();
  if (!s.me) return null;
  if (!open)
    return (
      <button type="button" className={cx(btn.secondary, "mb-6")} onClick={() => setOpen(true)}>
        {gs.found}
      </button>
    );
  const shown = edited ? slug : slugOf(name);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!SLUG.test(shown)) return setBad(true);
    setBad(false);
    const g = await run(() => s.client.createGuild({ slug: shown, name: name.trim(), type, description: description.trim() }));
    if (g) navigate(`/guilds/${g.slug}`);
  }
  return (
    <Card aria-labelledby="h-found" className="mb-6">
      <h2 id="h-found" className="text-lg font-semibold text-slate-900">
        {gs.found}
      </h2>
      <p className="mt-1 text-sm text-slate-700">{gs.foundSub}</p>
      <form onSubmit={submit} className="mt-3 grid gap-3 sm:grid-cols-2">
        <div>
          <label htmlFor="gf-name" className={label}>
            {gs.name}
          </label>
          <input id="gf-name" required maxLength={100} className={cx(input, "mt-1")} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div>
          <label htmlFor="gf-slug" className={label}>
            {gs.slug}
          </label>
          <input id="gf-slug" className={cx(input, "mt-1 font-mono", bad && "border-red-500")} value={shown} onChange={(e) => { setEdited(true); setSlug(e.target.value); }} aria-describedby="gf-slug-hint" aria-invalid={bad} spellCheck={false} />
          <p id="gf-slug-hint" className={cx("mt-1 text-xs", bad ? "text-red-700" : "text-slate-600")}>
            {bad ? gs.badSlug : gs.slugHint}
          </p>
        </div>
        <div>
          <label htmlFor="gf-type" className={label}>
            {gs.type}
          </label>
          <select id="gf-type" className={cx(input, "mt-1")} value={type} onChange={(e) => setType(e.target.value as GuildType)}>
            {TYPES.map((x) => (
              <option key={x} value={x}>
                {typeName(x)}
              </option>
            ))}
          </select>
        </div>
        <div className="sm:col-span-2">
          <label htmlFor="gf-desc" className={label}>
            {gs.description}
          </label>
          <textarea id="gf-desc" rows={3} maxLength={2000} className={cx(input, "mt-1")} value={description} onChange={(e) => setDescription(e.target.value)} />
        </div>
        {error && (
          <div className="sm:col-span-2">
            <ErrorNotice error={error} title={error.status === 409 ? gs.taken : gs.notCreated} />
          </div>
        )}
        <div className="sm:col-span-2">
          <button type="submit" className={btn.primary} disabled={busy || !name.trim()}>
            {busy ? gs.creating : gs.create}
          </button>
        </div>
      </form>
    </Card>
  );
}

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
                  {typeName(x)}
                </option>
              ))}
            </select>
          </div>
        }
      >
        {gs.title}
      </PageTitle>
      <FoundGuild />
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
                  <Chip tone={guildTypeTone[g.type] ?? "slate"}>{typeName(g.type)}</Chip>
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
