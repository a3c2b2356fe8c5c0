// Badges on a Skill Wallet: the owner's awards with their state on chain (and a Claim button for
// a voucher badge, sent from their wallet), and the badges there are to earn, by rarity.
import { useState } from "react";
import type { BadgeAward, BadgeType } from "../api";
import { claimCall, sendClaim } from "../claim";
import { formatDate, shortAddress, titleCase } from "../format";
import { toApiError, useAsync } from "../hooks";
import { useSession } from "../session";
import { Card, Chip, ErrorNotice, Spinner, btn, rarityTone, type Tone } from "./ui";
import type { ApiError } from "../api";
import { strings } from "../strings";

const RARITIES = ["LEGENDARY", "EPIC", "RARE", "COMMON"] as const;

const k = strings.badges;

const TONES: Record<string, Tone> = {
  claimable: "brand",
  claimed: "green",
  pending: "slate",
  minting: "sky",
  minted: "green",
  mint_failed: "amber",
  revoked: "red",
  expired: "slate",
};

/** What earns a badge, in people's words. */
export function ruleText(rule: unknown): string {
  const r = (rule && typeof rule === "object" ? rule : {}) as Record<string, unknown>;
  const skill = typeof r.skill === "string" ? k.rule.inSkill(r.skill) : "";
  switch (r.kind) {
    case "xp":
      return k.rule.xp(Number(r.min), skill);
    case "approved":
      return k.rule.approved(Number(r.min), skill);
    case "streak":
      return k.rule.streak(Number(r.min));
    case "first":
      return r.task ? k.rule.firstTask(String(r.task)) : k.rule.first(skill);
    case "quest":
      return r.quest ? k.rule.quest(String(r.quest)) : k.rule.quests(Number(r.min));
    case "guild":
      return k.rule.guild;
    case "season_rank":
      return k.rule.seasonRank(Number(r.max_rank));
    default:
      return "";
  }
}

const rarityName = (r: string) => k.rarity[r] ?? titleCase(r);

function AwardRow({ a, onClaimed }: { a: BadgeAward; onClaimed: () => void }) {
  const s = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [tx, setTx] = useState<string | null>(null);
  const st = { label: k.status[a.status] ?? titleCase(a.status.replace(/_/g, " ")), tone: TONES[a.status] ?? ("slate" as Tone) };
  async function claim() {
    setBusy(true);
    setError(null);
    try {
      const w = s.wallet;
      if (!w) throw Object.assign(new Error(k.noWallet), { code: "WALLET_NONE" });
      const v = await s.client.badgeVoucher(a.id);
      const call = claimCall(v);
      const hash = await sendClaim(w.provider, call.voucher.recipient, call);
      setTx(hash);
      onClaimed();
    } catch (e) {
      const err = toApiError(e);
      setError(err.code === "APP000" ? Object.assign(err, { code: "WALLET_CLAIM" }) : err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <li className="rounded-xl border border-slate-200 p-3" data-testid="my-badge">
      <div className="flex flex-wrap items-center gap-3">
        <span className="flex h-10 w-10 shrink-0 items-center justify-center rounded-full bg-amber-100 text-lg" aria-hidden="true">
          ★
        </span>
        <div className="min-w-0 flex-1">
          <p className="font-medium">{a.badge.name}</p>
          <p className="mt-0.5 flex flex-wrap items-center gap-1.5 text-xs text-slate-600">
            <Chip tone={rarityTone[a.badge.rarity] ?? "slate"}>{rarityName(a.badge.rarity)}</Chip>
            <Chip tone={st.tone}>{tx ? k.waitingChain : st.label}</Chip>
            <span>{k.earned(formatDate(a.awardedAt))}</span>
          </p>
        </div>
        {a.status === "claimable" && !tx && (
          <button type="button" className={btn.primary} onClick={claim} disabled={busy}>
            {busy ? k.confirm : k.claim(a.badge.name)}
          </button>
        )}
      </div>
      {tx && (
        <p role="status" className="mt-2 break-all text-xs text-emerald-800">
          {k.sent} <span className="font-mono">{shortAddress(tx)}</span>
          {k.sentAfter}
        </p>
      )}
      {a.revokeReason && <p className="mt-2 text-xs text-red-800">{k.revoked(a.revokeReason)}</p>}
      {error && (
        <div className="mt-2">
          <ErrorNotice error={error} title={k.notClaimed} />
        </div>
      )}
    </li>
  );
}

export function MyBadges() {
  const s = useSession();
  const awards = useAsync(() => s.client.myBadges(), [s.me?.address]);
  return (
    <Card aria-labelledby="h-my-badges">
      <h2 id="h-my-badges" className="text-lg font-semibold">
        {k.yours}
      </h2>
      {awards.error ? (
        <ErrorNotice error={awards.error} onRetry={awards.reload} />
      ) : !awards.data ? (
        <Spinner />
      ) : awards.data.items.length ? (
        <ul className="mt-3 space-y-3" aria-label={k.yours}>
          {awards.data.items.map((a) => (
            <AwardRow key={a.id} a={a} onClaimed={() => window.setTimeout(awards.reload, 3000)} />
          ))}
        </ul>
      ) : (
        <p className="mt-2 text-sm text-slate-600">{k.noneYet}</p>
      )}
    </Card>
  );
}

export function BadgeCatalogue() {
  const { client } = useSession();
  const types = useAsync(() => client.badges(), []);
  if (types.error) return <ErrorNotice error={types.error} onRetry={types.reload} title={k.didNotLoad} />;
  if (!types.data) return null;
  const items: BadgeType[] = types.data.items.filter((t) => t.active !== false);
  if (!items.length) return null;
  return (
    <Card aria-labelledby="h-badge-catalogue">
      <h2 id="h-badge-catalogue" className="text-lg font-semibold">
        {k.toEarn}
      </h2>
      {RARITIES.map((r) => {
        const group = items.filter((t) => t.rarity === r);
        if (!group.length) return null;
        return (
          <div key={r} className="mt-4">
            <h3 className="mb-2">
              <Chip tone={rarityTone[r]}>{rarityName(r)}</Chip>
            </h3>
            <ul className="grid gap-3 sm:grid-cols-2" aria-label={k.ofRarity(rarityName(r))}>
              {group.map((t) => (
                <li key={t.id} className="min-w-0 rounded-xl border border-slate-200 p-3">
                  <p className="font-medium">{t.name}</p>
                  {t.description && <p className="mt-0.5 text-sm text-slate-700">{t.description}</p>}
                  <p className="mt-1 text-xs text-slate-600">
                    {ruleText(t.rule)} {t.maxSupply > 0 && k.supply(t.supply, t.maxSupply)} {t.soulbound ? k.soulbound : k.transferable}
                  </p>
                </li>
              ))}
            </ul>
          </div>
        );
      })}
    </Card>
  );
}
