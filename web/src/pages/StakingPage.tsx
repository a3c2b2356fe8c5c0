// Staking through the wallet: stake (approve, then PhemeStaking.stake), start unstaking
// (requestUnstake: the cooldown begins), withdraw once it is over, claim rewards. The figures are
// the indexer's (GET /staking/:address); after a transaction the page waits until PHEME has seen it.
import { useState, type FormEvent } from "react";
import type { ApiError, ChainDetail, StakingView } from "../api";
import { ERC20_ABI, STAKING_ABI, contractAddress, readCall, sendCalls, txError, walletAccount, type Hex, type TxCall, toBig } from "../chain";
import { Card, Empty, ErrorNotice, PageTitle, Spinner, btn, cx, input, label } from "../components/ui";
import { formatWei, parseTokens, TOKEN_SYMBOL } from "../format";
import { useAsync, useDocumentTitle } from "../hooks";
import { useSession, useWallets } from "../session";
import type { Eip1193Provider } from "../siwe";
import { strings } from "../strings";

const t = strings.staking;

export const tokens = (wei: string | bigint | undefined) => `${formatWei(wei === undefined ? "0" : wei)} ${TOKEN_SYMBOL}`;

/** The wallet to send from: the one signed in with in this tab, else the browser's only one. */
export function useSendingWallet(): Eip1193Provider | null {
  const s = useSession();
  const wallets = useWallets();
  return s.wallet?.provider ?? (wallets.length === 1 ? wallets[0].provider : null);
}

/** Polls `load` until `seen` says the indexer has reached the transaction (at most ~30 s). */
export async function untilIndexed<T>(load: () => Promise<T>, seen: (v: T) => boolean): Promise<T> {
  let v = await load();
  for (let i = 0; i < 60 && !seen(v); i++) {
    await new Promise((r) => setTimeout(r, 500));
    v = await load();
  }
  return v;
}

function Figure({ name, value, testId, note }: { name: string; value: string; testId: string; note?: string }) {
  return (
    <div className="rounded-xl border border-slate-200 bg-white p-4">
      <dt className="text-sm text-slate-600">{name}</dt>
      <dd className="mt-1 text-xl font-semibold tabular-nums text-slate-900" data-testid={testId}>
        {value}
      </dd>
      {note && <dd className="mt-1 text-xs text-slate-700" data-testid={`${testId}-note`}>{note}</dd>}
    </div>
  );
}

function AmountForm({ id, action, onSend, busy }: { id: string; action: string; onSend: (wei: bigint) => void; busy: boolean }) {
  const [text, setText] = useState("");
  const [bad, setBad] = useState(false);
  function submit(e: FormEvent) {
    e.preventDefault();
    const wei = parseTokens(text);
    if (wei === null || wei === 0n) {
      setBad(true);
      return;
    }
    setBad(false);
    onSend(wei);
  }
  return (
    <form onSubmit={submit} noValidate className="flex flex-wrap items-end gap-2">
      <div className="min-w-0 flex-1">
        <label className={label} htmlFor={id}>
          {t.amount}
        </label>
        <input id={id} className={cx(input, bad && "border-red-500")} inputMode="decimal" value={text} onChange={(e) => setText(e.target.value)} aria-invalid={bad} aria-describedby={bad ? `${id}-bad` : undefined} />
        {bad && (
          <p id={`${id}-bad`} className="mt-1 text-xs text-red-700">
            {t.badAmount}
          </p>
        )}
      </div>
      <button type="submit" className={btn.primary} disabled={busy}>
        {action}
      </button>
    </form>
  );
}

function Staking({ chain, address }: { chain: ChainDetail; address: string }) {
  const s = useSession();
  const provider = useSendingWallet();
  const view = useAsync(() => s.client.staking(address), [address]);
  const earned = useAsync(async () => {
    if (!provider) return null;
    const account = await walletAccount(provider);
    return readCall<bigint>(provider, { address: contractAddress(chain, "PhemeStaking"), abi: STAKING_ABI, functionName: "earned", args: [account] });
  }, [provider, view.data?.indexedBlock]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);

  async function send(build: (staking: Hex, token: Hex) => Promise<TxCall[]> | TxCall[]) {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      if (!provider) throw txError(new Error(t.needWallet), t.needWallet);
      const staking = contractAddress(chain, "PhemeStaking");
      const token = contractAddress(chain, "PhemeToken");
      const { hash, block } = await sendCalls(provider, Number(chain.chainId), await build(staking, token));
      setDone(t.sent(hash));
      view.setData(await untilIndexed(() => s.client.staking(address), (v: StakingView) => (v.indexedBlock ?? 0) >= block));
    } catch (e) {
      setError(txError(e, t.refused));
    } finally {
      setBusy(false);
    }
  }

  if (view.loading && !view.data) return <Spinner />;
  if (view.error) return <ErrorNotice error={view.error} onRetry={view.reload} />;
  const v = view.data!;
  const pending = toBig(v.staking.pending);
  const readyAt = Number(v.staking.readyAt ?? 0);
  // the chain's clock decides (a test chain may run ahead of this device's)
  const head = chain.head?.timestamp ? Date.parse(chain.head.timestamp) : NaN;
  const now = Math.max(Date.now(), Number.isFinite(head) ? head : 0);
  const ready = pending > 0n && readyAt > 0 && readyAt * 1000 <= now;
  const readyText = pending > 0n ? (ready ? t.ready : t.readyAt(new Date(readyAt * 1000).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" }))) : undefined;

  return (
    <div className="space-y-6">
      <dl className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
        <Figure name={t.balance} value={tokens(v.tokenBalance)} testId="staking-balance" />
        <Figure name={t.staked} value={tokens(v.stake)} testId="staking-staked" />
        <Figure name={t.pending} value={tokens(pending)} testId="staking-pending" note={readyText} />
        {toBig(v.staking.locked) > 0n && <Figure name={t.locked} value={tokens(v.staking.locked as string)} testId="staking-locked" />}
        <Figure name={t.rewards} value={tokens(toBig(v.staking.rewardsPaid))} testId="staking-rewards" />
        <Figure name={t.votes} value={tokens(v.tokenVotes)} testId="staking-votes" />
      </dl>
      {!provider && <p className="text-sm text-slate-700">{t.needWallet}</p>}
      {busy && (
        <p role="status" className="text-sm text-slate-700">
          {t.confirmInWallet}
        </p>
      )}
      {done && (
        <p role="status" className="break-words rounded-lg bg-emerald-50 p-3 text-sm text-emerald-900">
          {done} {t.indexing}
        </p>
      )}
      {error && <ErrorNotice error={error} />}
      <div className="grid gap-6 lg:grid-cols-2">
        <Card aria-labelledby="stake-title">
          <h2 id="stake-title" className="mb-3 text-lg font-semibold text-slate-900">
            {t.stake}
          </h2>
          <AmountForm
            id="stake-amount"
            action={t.stake}
            busy={busy || !provider}
            onSend={(wei) =>
              send(async (staking, token) => {
                const account = await walletAccount(provider!);
                const allowance = await readCall<bigint>(provider!, { address: token, abi: ERC20_ABI, functionName: "allowance", args: [account, staking] });
                const approve: TxCall[] = allowance < wei ? [{ address: token, abi: ERC20_ABI, functionName: "approve", args: [staking, wei] }] : [];
                return [...approve, { address: staking, abi: STAKING_ABI, functionName: "stake", args: [wei] }];
              })
            }
          />
        </Card>
        <Card aria-labelledby="unstake-title">
          <h2 id="unstake-title" className="mb-3 text-lg font-semibold text-slate-900">
            {t.unstake}
          </h2>
          <AmountForm id="unstake-amount" action={t.unstake} busy={busy || !provider} onSend={(wei) => send((staking) => [{ address: staking, abi: STAKING_ABI, functionName: "requestUnstake", args: [wei] }])} />
          <div className="mt-4 flex flex-wrap gap-2">
            <button type="button" className={btn.secondary} disabled={busy || !provider || !ready} onClick={() => send((staking) => [{ address: staking, abi: STAKING_ABI, functionName: "withdraw" }])}>
              {t.withdraw}
            </button>
          </div>
        </Card>
        <Card aria-labelledby="rewards-title">
          <h2 id="rewards-title" className="mb-3 text-lg font-semibold text-slate-900">
            {t.claim}
          </h2>
          {earned.data != null && (
            <p className="mb-3 text-sm text-slate-700" data-testid="staking-earned">
              {t.earned(tokens(earned.data))}
            </p>
          )}
          <button type="button" className={btn.secondary} disabled={busy || !provider} onClick={() => send((staking) => [{ address: staking, abi: STAKING_ABI, functionName: "claimRewards" }])}>
            {t.claim}
          </button>
        </Card>
      </div>
    </div>
  );
}

export function StakingPage() {
  useDocumentTitle(t.title);
  const s = useSession();
  const chain = useAsync(() => s.client.chainDetail(), []);
  return (
    <>
      <PageTitle sub={t.sub}>{t.title}</PageTitle>
      {chain.loading ? (
        <Spinner />
      ) : chain.error || !chain.data?.configured ? (
        chain.error && chain.error.status !== 404 ? (
          <ErrorNotice error={chain.error} onRetry={chain.reload} />
        ) : (
          <Empty title={t.noChain}>{t.noChainText}</Empty>
        )
      ) : !s.me ? (
        <Empty title={t.signIn}>
          <button type="button" className={cx(btn.primary, "mt-3")} onClick={s.openSignIn}>
            {strings.app.signIn}
          </button>
        </Empty>
      ) : (
        <Staking chain={chain.data} address={s.me.address} />
      )}
    </>
  );
}
