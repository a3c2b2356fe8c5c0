import { useState } from "react";
import type { OnchainWallet, SkillDomain, WalletBadge, WalletSkill } from "../api";
import { TOKEN_SYMBOL, chainValue, formatDate, formatNumber, formatWei, isAddress, levelName, levelProgress, shortAddress, titleCase } from "../format";
import { strings } from "../strings";
import { useAsync, useDocumentTitle } from "../hooks";
import { Link } from "../router";
import { useSession } from "../session";
import { LinkedWallets } from "../components/LinkedWallets";
import { BadgeCatalogue, MyBadges } from "../components/Badges";
import { EndorseCard, ReputationCard } from "../components/Endorse";
import { Avatar, Card, Chip, Empty, ErrorNotice, Meter, PageTitle, Spinner, domainTone, rarityTone } from "../components/ui";

const k = strings.wallet;

function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="rounded-md px-2 py-1 text-xs font-semibold text-brand-700 hover:bg-brand-50"
      onClick={() => {
        navigator.clipboard?.writeText(text).then(
          () => {
            setCopied(true);
            setTimeout(() => setCopied(false), 1500);
          },
          () => undefined,
        );
      }}
    >
      {copied ? k.copied : k.copy}
      <span className="sr-only">{k.copyWhat}</span>
    </button>
  );
}

const DOMAINS: SkillDomain[] = ["technical", "creative", "business"];

function SkillRow({ s }: { s: WalletSkill }) {
  return (
    <li className="py-3">
      <div className="flex items-baseline justify-between gap-4">
        <span className="font-medium text-slate-900">{s.name}</span>
        <span className="text-sm tabular-nums text-slate-600">
          {k.level} <span className="font-semibold text-slate-900">{s.level}</span> · {k.xp(formatNumber(s.xp))}
        </span>
      </div>
      <div className="mt-2">
        <Meter value={s.level} label={k.levelOf(s.name, s.level)} />
      </div>
      {s.lastValidated && <p className="mt-1 text-xs text-slate-500">{k.lastValidated(formatDate(s.lastValidated))}</p>}
    </li>
  );
}

function OnchainCard({ o }: { o: OnchainWallet }) {
  const score = chainValue(o.reputation?.score);
  return (
    <Card aria-labelledby="h-onchain">
      <h2 id="h-onchain" className="text-lg font-semibold">
        {k.onChain}
      </h2>
      <dl className="mt-3 grid grid-cols-2 gap-4">
        <div>
          <dt className="text-sm text-slate-600">{k.reputation}</dt>
          <dd className="text-2xl font-bold tabular-nums" data-testid="wallet-reputation">
            {score ? `${score}` : "—"}
            {score && <span className="text-sm font-medium text-slate-500">{k.outOf100}</span>}
          </dd>
        </div>
        <div>
          <dt className="text-sm text-slate-600">{k.token}</dt>
          <dd className="text-2xl font-bold tabular-nums" data-testid="wallet-token">
            {o.skillWallet ? k.tokenId(o.skillWallet.tokenId) : k.notMinted}
          </dd>
        </div>
        <div>
          <dt className="text-sm text-slate-600">{k.held(TOKEN_SYMBOL)}</dt>
          <dd className="font-semibold tabular-nums" data-testid="wallet-balance" title={k.inWei(o.tokenBalance)}>
            {formatWei(o.tokenBalance)} {TOKEN_SYMBOL}
          </dd>
        </div>
        <div>
          <dt className="text-sm text-slate-600">{k.staked}</dt>
          <dd className="font-semibold tabular-nums" data-testid="wallet-stake" title={k.inWei(o.stake)}>
            {formatWei(o.stake)} {TOKEN_SYMBOL}
          </dd>
        </div>
        {o.skillWallet && (
          <div>
            <dt className="text-sm text-slate-600">{k.endorsements}</dt>
            <dd className="font-semibold tabular-nums">{formatNumber(o.skillWallet.endorsementsReceived)}</dd>
          </div>
        )}
      </dl>
      <p className="mt-3 text-xs text-slate-500">
        {k.recorded(o.chainId, o.indexedBlock !== null ? formatNumber(o.indexedBlock) : null)}
      </p>
    </Card>
  );
}

function BadgeItem({ name, rarity, soulbound, date, count }: { name: string; rarity?: WalletBadge["rarity"]; soulbound?: boolean; date?: string | null; count?: string }) {
  return (
    <li className="flex items-center gap-3 rounded-xl border border-slate-200 p-3">
      <span className="flex h-10 w-10 shrink-0 items-center justify-center rounded-full bg-amber-100 text-lg" aria-hidden="true">
        ★
      </span>
      <div className="min-w-0">
        <p className="truncate font-medium">{name}</p>
        <p className="mt-0.5 flex flex-wrap items-center gap-1.5 text-xs text-slate-600">
          {rarity && <Chip tone={rarityTone[rarity] ?? "slate"}>{strings.badges.rarity[rarity] ?? titleCase(rarity)}</Chip>}
          {soulbound && <span>{k.soulbound}</span>}
          {count && count !== "1" && <span>× {count}</span>}
          {date !== undefined ? <span>{formatDate(date)}</span> : <span>{k.onChainBadge}</span>}
        </p>
      </div>
    </li>
  );
}

export function WalletPage({ address }: { address: string }) {
  const { client, me, credential } = useSession();
  const valid = isAddress(address);
  const wallet = useAsync(() => (valid ? client.wallet(address) : Promise.resolve(undefined)), [address, valid]);
  const w = wallet.data;
  useDocumentTitle(w ? k.titleOf(w.profile.displayName || shortAddress(w.address)) : k.title);

  if (!valid)
    return (
      <>
        <PageTitle>{k.title}</PageTitle>
        <Empty title={k.notAddress}>
          <span className="font-mono break-all">{address}</span>
          {k.addressShape}
        </Empty>
      </>
    );
  if (wallet.loading && !w) return <Spinner label={k.loading} />;
  if (wallet.error?.status === 404)
    return (
      <>
        <PageTitle sub={<span className="font-mono break-all">{address}</span>}>{k.title}</PageTitle>
        <Empty title={k.noAccount}>
          {k.noAccountText} <span className="font-mono text-xs">({wallet.error.code})</span>
        </Empty>
      </>
    );
  if (wallet.error || !w)
    return (
      <>
        <PageTitle>{k.title}</PageTitle>
        {wallet.error && <ErrorNotice error={wallet.error} title={k.didNotLoad} onRetry={wallet.reload} />}
      </>
    );

  const progress = levelProgress(w.xp);
  const mine = me?.address.toLowerCase() === w.address.toLowerCase();
  // Badges held on chain that the server's records do not name already (their ids are the
  // badge contract's token ids).
  const known = new Set(w.badges.map((b) => String(b.id)));
  const chainBadges = (w.onchain?.badges ?? []).filter((b) => !known.has(b.id) && b.balance !== "0");
  const skillsByDomain = DOMAINS.map((d) => ({ domain: d, skills: w.skills.filter((s) => s.domain === d).sort((a, b) => b.xp - a.xp) })).filter((g) => g.skills.length);

  return (
    <>
      <div className="mb-6 flex flex-wrap items-center gap-4">
        <Avatar address={w.address} size={72} />
        <div className="min-w-0 flex-1">
          <p className="text-sm font-semibold uppercase tracking-wide text-brand-700">{k.title}{mine ? k.you : ""}</p>
          <PageTitle
            sub={
              <span className="flex flex-wrap items-center gap-1">
                <span className="break-all font-mono text-sm" title={w.address}>
                  {w.address}
                </span>
                <CopyButton text={w.address} />
              </span>
            }
          >
            {w.profile.displayName || shortAddress(w.address)}
          </PageTitle>
        </div>
      </div>

      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <div className="space-y-6 lg:col-span-2">
          <Card aria-labelledby="h-level" className="bg-gradient-to-br from-slate-900 to-brand-900 text-white">
            <div className="flex flex-wrap items-end justify-between gap-4">
              <div>
                <h2 id="h-level" className="text-sm font-semibold uppercase tracking-wide text-brand-200">
                  {k.level}
                </h2>
                <p className="text-3xl font-bold" data-testid="wallet-level">
                  {levelName(w.level)}
                </p>
              </div>
              <div className="text-right">
                <p className="text-sm text-brand-200">{k.totalXp}</p>
                <p className="text-3xl font-bold tabular-nums" data-testid="wallet-xp">
                  {formatNumber(w.xp)}
                </p>
              </div>
            </div>
            <div className="mt-4">
              <Meter value={progress.percent} label={k.progressTo(progress.next ? levelName(progress.next) : null, progress.percent)} tone="bg-emerald-400" track="bg-white/20" />
              <p className="mt-2 text-sm text-brand-100">
                {progress.next ? k.toNext(formatNumber(progress.toNext), levelName(progress.next)) : k.top}
              </p>
            </div>
          </Card>

          {w.onchain && <OnchainCard o={w.onchain} />}

          <Card aria-labelledby="h-skills">
            <h2 id="h-skills" className="text-lg font-semibold">
              {k.skills}
            </h2>
            {skillsByDomain.length === 0 ? (
              <p className="mt-2 text-sm text-slate-600">
                {k.noSkills}{" "}
                <Link to="/tasks" className="font-semibold text-brand-700 underline">
                  {k.findTask}
                </Link>
                .
              </p>
            ) : (
              skillsByDomain.map((g) => (
                <div key={g.domain} className="mt-4">
                  <h3 className="mb-1">
                    <Chip tone={domainTone[g.domain]}>{k.domains[g.domain] ?? titleCase(g.domain)}</Chip>
                  </h3>
                  <ul className="divide-y divide-slate-100">
                    {g.skills.map((s) => (
                      <SkillRow key={s.slug} s={s} />
                    ))}
                  </ul>
                </div>
              ))
            )}
          </Card>

          <Card aria-labelledby="h-badges">
            <h2 id="h-badges" className="text-lg font-semibold">
              {k.badges}
            </h2>
            {w.badges.length === 0 && chainBadges.length === 0 ? (
              <p className="mt-2 text-sm text-slate-600">{k.noBadges}</p>
            ) : (
              <ul className="mt-3 grid gap-3 sm:grid-cols-2" aria-label={k.badges}>
                {w.badges.map((b) => (
                  <BadgeItem key={`db-${b.id}`} name={b.name} rarity={b.rarity} soulbound={b.soulbound} date={b.awardedAt} />
                ))}
                {chainBadges.map((b) => (
                  <BadgeItem key={`chain-${b.id}`} name={k.badgeOf(b.id)} count={b.balance} />
                ))}
              </ul>
            )}
          </Card>
          {mine && credential && <MyBadges />}
          <BadgeCatalogue />
        </div>

        <aside className="min-w-0 space-y-6" aria-label={k.profileAndGuilds}>
          {mine && credential && <LinkedWallets />}
          <ReputationCard address={w.address} />
          {!mine && <EndorseCard address={w.address} name={w.profile.displayName || shortAddress(w.address)} skills={w.skills} />}
          <Card aria-labelledby="h-profile">
            <h2 id="h-profile" className="text-lg font-semibold">
              {k.profile}
            </h2>
            {w.profile.bio ? <p className="mt-2 text-slate-700">{w.profile.bio}</p> : <p className="mt-2 text-sm text-slate-500">{k.noBio}</p>}
            <dl className="mt-3 space-y-2 text-sm">
              <div className="flex justify-between gap-4">
                <dt className="text-slate-600">{k.roles}</dt>
                <dd className="flex flex-wrap justify-end gap-1">
                  {w.profile.roles.map((r) => (
                    <Chip key={r}>{strings.admin.roleNames[r] ?? r}</Chip>
                  ))}
                </dd>
              </div>
              <div className="flex justify-between gap-4">
                <dt className="text-slate-600">{k.memberSince}</dt>
                <dd className="font-medium">{formatDate(w.profile.createdAt)}</dd>
              </div>
            </dl>
          </Card>
          <Card aria-labelledby="h-guilds">
            <h2 id="h-guilds" className="text-lg font-semibold">
              {k.guilds}
            </h2>
            {w.guilds.length === 0 ? (
              <p className="mt-2 text-sm text-slate-600">{k.noGuild}</p>
            ) : (
              <ul className="mt-2 divide-y divide-slate-100">
                {w.guilds.map((g) => (
                  <li key={g.slug} className="flex items-center justify-between gap-3 py-2">
                    <Link to={`/guilds/${g.slug}`} className="font-medium text-slate-900 hover:text-brand-700 hover:underline">
                      {g.name}
                    </Link>
                    <span className="text-xs text-slate-600">
                      {k.guildTypes[g.type] ?? titleCase(g.type)} · {k.guildRoles[g.role] ?? titleCase(g.role)}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </aside>
      </div>
    </>
  );
}
