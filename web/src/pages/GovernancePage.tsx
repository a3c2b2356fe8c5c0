// Governance: proposals as the indexer saw them (GET /governance/proposals), a proposal with its
// reputation-weighted tally and votes, the caller's voting power (raw, reputation, weighted, as
// PhemeGovernor counts it), and a vote sent from the wallet (castVote).
import { useState } from "react";
import type { ApiError, ChainDetail, Proposal, ProposalData, ProposalVote } from "../api";
import { GOVERNOR_ABI, SUPPORT, contractAddress, proposalPhase, sendCalls, txError, weightedVotes, type Support, toBig } from "../chain";
import { BackLink, Card, Chip, Empty, ErrorNotice, PageTitle, Spinner, btn, cx, type Tone } from "../components/ui";
import { chainValue, shortAddress } from "../format";
import { useAsync, useDocumentTitle, usePaged } from "../hooks";
import { Link } from "../router";
import { useSession } from "../session";
import { strings } from "../strings";
import { tokens, untilIndexed, useSendingWallet } from "./StakingPage";

const g = strings.governance;

/** A proposal's title: its description's first line without Markdown's heading marks. */
export function proposalTitle(p: Proposal): string {
  const first = (p.proposal.description ?? "").split("\n").find((l) => l.trim()) ?? "";
  const title = first.replace(/^#+\s*/, "").trim();
  return title || g.proposal(p.id.length > 14 ? `${p.id.slice(0, 6)}…${p.id.slice(-4)}` : p.id);
}

const phaseTone: Record<string, Tone> = { pending: "slate", active: "green", ended: "amber", canceled: "red", queued: "sky", executed: "violet", unknown: "slate" };

function Tally({ data }: { data: ProposalData }) {
  const rows = [
    { key: "for", name: g.for, tone: "bg-emerald-600", v: toBig(data.for) },
    { key: "against", name: g.against, tone: "bg-red-600", v: toBig(data.against) },
    { key: "abstain", name: g.abstain, tone: "bg-slate-500", v: toBig(data.abstain) },
  ];
  const total = rows.reduce((a, r) => a + r.v, 0n);
  return (
    <dl className="space-y-2" aria-label={g.tally}>
      {rows.map((r) => {
        const pct = total > 0n ? Number((r.v * 1000n) / total) / 10 : 0;
        return (
          <div key={r.key} className="flex flex-wrap justify-between gap-x-2 gap-y-1 text-sm">
            <dt className="font-medium text-slate-800">{r.name}</dt>
            <dd className="tabular-nums text-slate-700" data-testid={`tally-${r.key}`}>
              {tokens(r.v)} · {pct}%
            </dd>
            <dd className="h-2 w-full basis-full overflow-hidden rounded-full bg-slate-200" aria-hidden="true">
              <div className={cx("h-full rounded-full", r.tone)} style={{ width: `${pct}%` }} />
            </dd>
          </div>
        );
      })}
    </dl>
  );
}

function useChain() {
  const s = useSession();
  return useAsync(() => s.client.chainDetail(), []);
}

function NoChain({ error, reload }: { error: ApiError | null; reload: () => void }) {
  if (error && error.status !== 404) return <ErrorNotice error={error} onRetry={reload} />;
  return <Empty title={g.noChain}>{strings.staking.noChainText}</Empty>;
}

export function GovernancePage() {
  useDocumentTitle(g.title);
  const s = useSession();
  const chain = useChain();
  const list = usePaged((cursor) => (chain.data?.configured ? s.client.proposals(cursor) : Promise.resolve({ items: [] as Proposal[], nextCursor: null })), [chain.data?.configured]);
  const head = chain.data?.head?.number;
  return (
    <>
      <PageTitle sub={g.sub}>{g.title}</PageTitle>
      {chain.loading ? (
        <Spinner />
      ) : !chain.data?.configured ? (
        <NoChain error={chain.error} reload={chain.reload} />
      ) : list.loading ? (
        <Spinner />
      ) : list.error ? (
        <ErrorNotice error={list.error} onRetry={list.reload} />
      ) : list.items.length === 0 ? (
        <Empty title={g.empty}>{g.emptyText}</Empty>
      ) : (
        <ul className="space-y-4" aria-label={g.title}>
          {list.items.map((p) => {
            const phase = proposalPhase(p.proposal, head);
            return (
              <Card as="li" key={p.id}>
                <div className="flex flex-wrap items-start justify-between gap-3">
                  <h2 className="min-w-0 break-words text-lg font-semibold text-slate-900">
                    <Link to={`/governance/${p.id}`} className="underline-offset-2 hover:underline">
                      {proposalTitle(p)}
                    </Link>
                  </h2>
                  <Chip tone={phaseTone[phase]}>{g.status[phase] ?? phase}</Chip>
                </div>
                {p.proposer && <p className="mb-3 mt-1 text-sm text-slate-700">{g.by(shortAddress(p.proposer))}</p>}
                <Tally data={p.proposal} />
              </Card>
            );
          })}
        </ul>
      )}
      {list.hasMore && (
        <button type="button" className={cx(btn.secondary, "mt-4")} onClick={list.loadMore} disabled={list.loadingMore}>
          {strings.app.showMore}
        </button>
      )}
    </>
  );
}

/** The caller's voting power now: raw votes (delegated tokens + stake), the on-chain reputation,
 *  and what a vote of theirs would weigh. */
function Power({ address }: { address: string }) {
  const s = useSession();
  const power = useAsync(async () => {
    const [st, w] = await Promise.all([s.client.staking(address), s.client.wallet(address)]);
    const raw = toBig(st.tokenVotes) + toBig(st.stake);
    const rep = Number(chainValue(w.onchain?.reputation?.score) || 0);
    return { raw, rep, weighted: weightedVotes(raw, rep) };
  }, [address]);
  return (
    <Card aria-labelledby="power-title">
      <h2 id="power-title" className="text-lg font-semibold text-slate-900">
        {g.yourPower}
      </h2>
      {power.loading && <Spinner />}
      {power.error && <ErrorNotice error={power.error} onRetry={power.reload} />}
      {power.data && (
        <dl className="mt-2 space-y-2 text-sm">
          {[
            { id: "power-raw", name: g.raw, value: tokens(power.data.raw) },
            { id: "power-reputation", name: g.reputation, value: `${power.data.rep} / 100` },
            { id: "power-weighted", name: g.weighted, value: tokens(power.data.weighted) },
          ].map((row) => (
            <div key={row.id} className="flex flex-wrap justify-between gap-2">
              <dt className="text-slate-700">{row.name}</dt>
              <dd className="font-semibold tabular-nums text-slate-900" data-testid={row.id}>
                {row.value}
              </dd>
            </div>
          ))}
        </dl>
      )}
      {power.data && <p className="mt-2 text-xs text-slate-600">{g.powerHint}</p>}
    </Card>
  );
}

function VoteRow({ v, me }: { v: ProposalVote; me?: string }) {
  const support = v.vote.support ?? "";
  const name = support === "for" ? g.for : support === "against" ? g.against : support === "abstain" ? g.abstain : support;
  const mine = !!me && v.voter.toLowerCase() === me.toLowerCase();
  return (
    <li className={cx("py-2 text-sm", mine && "rounded-lg bg-brand-50 px-2")} data-testid={mine ? "my-vote" : "vote"}>
      <Link to={`/wallet/${v.voter}`} className="font-mono font-medium text-slate-900 underline-offset-2 hover:underline">
        {shortAddress(v.voter)}
      </Link>{" "}
      <span className="text-slate-700">{g.voteRow(name, tokens(v.weight), tokens(toBig(v.vote.rawWeight)), String(chainValue(v.vote.reputation) || "0"))}</span>
    </li>
  );
}

function Vote({ chain, id, onVoted }: { chain: ChainDetail; id: string; onVoted: (block: number) => Promise<void> }) {
  const provider = useSendingWallet();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  async function vote(support: Support) {
    setBusy(true);
    setError(null);
    try {
      if (!provider) throw txError(new Error(strings.staking.needWallet), strings.staking.needWallet);
      const { block } = await sendCalls(provider, Number(chain.chainId), [
        { address: contractAddress(chain, "PhemeGovernor"), abi: GOVERNOR_ABI, functionName: "castVote", args: [BigInt(id), SUPPORT[support]] },
      ]);
      await onVoted(block);
    } catch (e) {
      setError(txError(e, strings.staking.refused));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="mt-4">
      <h3 className="mb-2 font-semibold text-slate-900">{g.vote}</h3>
      {!provider && <p className="mb-2 text-sm text-slate-700">{strings.staking.needWallet}</p>}
      <div className="flex flex-wrap gap-2">
        <button type="button" className={btn.primary} disabled={busy || !provider} onClick={() => vote("for")}>
          {g.voteFor}
        </button>
        <button type="button" className={btn.danger} disabled={busy || !provider} onClick={() => vote("against")}>
          {g.voteAgainst}
        </button>
        <button type="button" className={btn.secondary} disabled={busy || !provider} onClick={() => vote("abstain")}>
          {g.voteAbstain}
        </button>
      </div>
      {busy && (
        <p role="status" className="mt-2 text-sm text-slate-700">
          {strings.staking.confirmInWallet}
        </p>
      )}
      {error && <div className="mt-3"><ErrorNotice error={error} /></div>}
    </div>
  );
}

export function ProposalPage({ id }: { id: string }) {
  const s = useSession();
  const chain = useChain();
  const view = useAsync(() => (chain.data?.configured ? s.client.proposal(id) : Promise.resolve(undefined)), [id, chain.data?.configured]);
  const p = view.data?.proposal;
  useDocumentTitle(p ? proposalTitle(p) : g.title);
  const me = s.me?.address;
  const mine = view.data?.votes.find((v) => !!me && v.voter.toLowerCase() === me.toLowerCase());
  const phase = p ? proposalPhase(p.proposal, chain.data?.head?.number) : "unknown";

  async function voted(block: number) {
    const next = await untilIndexed(
      () => s.client.proposal(id),
      (v) => (v.indexedBlock ?? 0) >= block && v.votes.some((x) => !!me && x.voter.toLowerCase() === me.toLowerCase()),
    );
    view.setData(next);
  }

  return (
    <>
      <BackLink to="/governance">{g.back}</BackLink>
      {chain.loading || (view.loading && !view.data) ? (
        <Spinner />
      ) : !chain.data?.configured ? (
        <>
          <PageTitle>{g.title}</PageTitle>
          <NoChain error={chain.error} reload={chain.reload} />
        </>
      ) : view.error || !p ? (
        <>
          <PageTitle>{g.notFound}</PageTitle>
          {view.error && <ErrorNotice error={view.error} onRetry={view.reload} />}
        </>
      ) : (
        <>
          <PageTitle sub={p.proposer ? g.by(shortAddress(p.proposer)) : undefined} actions={<Chip tone={phaseTone[phase]}>{g.status[phase] ?? phase}</Chip>}>
            {proposalTitle(p)}
          </PageTitle>
          <div className="grid gap-6 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
            <div className="space-y-6">
              <Card aria-labelledby="tally-title">
                <h2 id="tally-title" className="mb-3 text-lg font-semibold text-slate-900">
                  {g.tally}
                </h2>
                <Tally data={p.proposal} />
                {p.proposal.voteStart !== undefined && p.proposal.voteEnd !== undefined && (
                  <p className="mt-3 text-sm text-slate-700">{g.window(Number(p.proposal.voteStart), Number(p.proposal.voteEnd))}</p>
                )}
                {p.proposal.description && <p className="mt-3 whitespace-pre-wrap break-words text-sm text-slate-800">{p.proposal.description}</p>}
                {mine ? (
                  <p role="status" className="mt-4 font-semibold text-emerald-800">
                    {g.voted(mine.vote.support === "for" ? g.for.toLowerCase() : mine.vote.support === "against" ? g.against.toLowerCase() : g.abstain.toLowerCase())}
                  </p>
                ) : phase === "active" ? (
                  me ? <Vote chain={chain.data} id={id} onVoted={voted} /> : (
                    <button type="button" className={cx(btn.primary, "mt-4")} onClick={s.openSignIn}>
                      {strings.app.signIn}
                    </button>
                  )
                ) : (
                  <p className="mt-4 text-sm text-slate-700">{g.notOpen}</p>
                )}
              </Card>
              <Card aria-labelledby="votes-title">
                <h2 id="votes-title" className="text-lg font-semibold text-slate-900">
                  {g.votes} <span className="text-sm font-normal text-slate-600">({g.voters(view.data!.votes.length)})</span>
                </h2>
                {view.data!.votes.length === 0 ? (
                  <p className="mt-2 text-sm text-slate-700">{g.noVotes}</p>
                ) : (
                  <ul className="mt-2 divide-y divide-slate-100" aria-label={g.votes}>
                    {view.data!.votes.map((v) => (
                      <VoteRow key={v.voter} v={v} me={me} />
                    ))}
                  </ul>
                )}
              </Card>
            </div>
            {me && <Power address={me} />}
          </div>
        </>
      )}
    </>
  );
}

