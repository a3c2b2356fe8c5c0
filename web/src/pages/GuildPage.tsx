import { useState } from "react";
import type { ApiError } from "../api";
import { formatDate, shortAddress, titleCase } from "../format";
import { toApiError, useAsync, useDocumentTitle, usePaged } from "../hooks";
import { Link } from "../router";
import { useSession } from "../session";
import { Avatar, Card, Chip, ErrorNotice, PageTitle, Spinner, btn } from "../components/ui";
import { guildTypeTone } from "./GuildsPage";
import { strings } from "../strings";

const G = strings.guild;

export function GuildPage({ slug }: { slug: string }) {
  const s = useSession();
  const { client, me } = s;
  const guild = useAsync(() => client.guild(slug), [slug]);
  const members = usePaged((cursor) => client.guildMembers(slug, cursor), [slug]);
  // The caller's own memberships come from their Skill Wallet.
  const mine = useAsync(() => (me ? client.wallet(me.address) : Promise.resolve(undefined)), [me?.address]);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  useDocumentTitle(guild.data?.name ?? G.title);

  if (guild.loading && !guild.data) return <Spinner label={G.loading} />;
  if (guild.error || !guild.data)
    return (
      <>
        <PageTitle>{G.title}</PageTitle>
        {guild.error && <ErrorNotice error={guild.error} title={G.failed} onRetry={guild.reload} />}
        <p className="mt-6">
          <Link to="/guilds" className="font-semibold text-brand-700 underline">
            {G.all}
          </Link>
        </p>
      </>
    );
  const g = guild.data;
  const role = mine.data?.guilds.find((x) => x.slug === g.slug)?.role;

  async function act(join: boolean) {
    setBusy(true);
    setActionError(null);
    try {
      guild.setData(join ? await client.joinGuild(slug) : await client.leaveGuild(slug));
      mine.reload();
      members.reload();
    } catch (e) {
      setActionError(toApiError(e));
    } finally {
      setBusy(false);
    }
  }

  let action;
  if (s.status === "anonymous")
    action = (
      <button type="button" className={btn.primary} onClick={s.openSignIn}>
        {G.signInToJoin}
      </button>
    );
  else if (!me || mine.loading) action = <span className="text-sm text-slate-600">{G.checking}</span>;
  else if (role === "OWNER") action = <Chip tone="brand">{G.owner}</Chip>;
  else if (role)
    action = (
      <button type="button" className={btn.danger} disabled={busy} onClick={() => act(false)}>
        {busy ? G.leaving : G.leave}
      </button>
    );
  else
    action = (
      <button type="button" className={btn.primary} disabled={busy} onClick={() => act(true)}>
        {busy ? G.joining : G.join}
      </button>
    );

  return (
    <>
      <nav aria-label={G.breadcrumb} className="mb-3 text-sm">
        <Link to="/guilds" className="font-medium text-brand-700 hover:underline">
          {strings.guilds.title}
        </Link>
        <span className="mx-2 text-slate-400" aria-hidden="true">/</span>
        <span className="text-slate-600">{g.slug}</span>
      </nav>
      <PageTitle
        sub={
          <span className="flex flex-wrap items-center gap-2">
            <Chip tone={guildTypeTone[g.type] ?? "slate"}>{titleCase(g.type)}</Chip>
            <span>
              {G.sub(g.memberCount, formatDate(g.createdAt))}
            </span>
          </span>
        }
        actions={action}
      >
        {g.name}
      </PageTitle>
      {actionError && (
        <div className="mb-6">
          <ErrorNotice error={actionError} title={G.failedAction} />
        </div>
      )}
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <Card aria-labelledby="h-about" className="lg:col-span-1">
          <h2 id="h-about" className="text-lg font-semibold">
            {G.about}
          </h2>
          <p className="mt-2 whitespace-pre-wrap text-slate-700">{g.description || G.noDescription}</p>
        </Card>
        <Card aria-labelledby="h-members" className="lg:col-span-2">
          <h2 id="h-members" className="text-lg font-semibold">
            {G.members}
          </h2>
          {members.loading ? (
            <Spinner label={G.loadingMembers} />
          ) : members.error && members.items.length === 0 ? (
            <div className="mt-3"><ErrorNotice error={members.error} onRetry={members.reload} /></div>
          ) : (
            <>
              <ul className="mt-2 divide-y divide-slate-100">
                {members.items.map((m) => (
                  <li key={m.address} className="flex items-center gap-3 py-3">
                    <Avatar address={m.address} size={36} />
                    <div className="min-w-0 flex-1">
                      <Link to={`/wallet/${m.address}`} className="font-medium text-slate-900 hover:text-brand-700 hover:underline">
                        {m.displayName || shortAddress(m.address)}
                      </Link>
                      <p className="truncate font-mono text-xs text-slate-500">{m.address}</p>
                    </div>
                    <div className="text-right text-xs text-slate-600">
                      {m.role === "OWNER" ? <Chip tone="brand">{G.ownerRole}</Chip> : <span>{G.memberRole}</span>}
                      <p className="mt-0.5">{G.joined(formatDate(m.joinedAt))}</p>
                    </div>
                  </li>
                ))}
              </ul>
              {members.error && <ErrorNotice error={members.error} onRetry={members.loadMore} />}
              {members.hasMore && (
                <div className="mt-4 flex justify-center">
                  <button type="button" className={btn.secondary} onClick={members.loadMore} disabled={members.loadingMore}>
                    {members.loadingMore ? strings.app.loading : G.moreMembers}
                  </button>
                </div>
              )}
            </>
          )}
        </Card>
      </div>
    </>
  );
}
