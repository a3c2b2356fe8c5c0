import { useState } from "react";
import type { ApiError } from "../api";
import { formatDate, shortAddress } from "../format";
import { toApiError, useAsync } from "../hooks";
import { serverChain, useSession, useWallets } from "../session";
import { linkWallet } from "../siwe";
import { Card, Chip, ErrorNotice, Spinner, btn } from "./ui";

/** The signed-in person's wallets: the payout (primary) one first; link another one by having
 *  it sign, make one the payout address, unlink one (never the payout address). */
export function LinkedWallets() {
  const { client } = useSession();
  const wallets = useWallets();
  const list = useAsync(() => client.myWallets(), []);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  async function run(what: string, fn: () => Promise<unknown>) {
    setBusy(what);
    setError(null);
    try {
      await fn();
      list.reload();
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(null);
    }
  }

  return (
    <Card aria-labelledby="h-linked">
      <h2 id="h-linked" className="text-lg font-semibold">
        Your wallets
      </h2>
      <p className="mt-1 text-sm text-slate-600">Sign in with any of them. Rewards are paid to the payout address.</p>
      {list.loading && !list.data ? (
        <Spinner label="Loading your wallets…" />
      ) : list.error ? (
        <ErrorNotice error={list.error} title="Your wallets did not load" onRetry={list.reload} />
      ) : (
        <ul className="mt-3 divide-y divide-slate-100" aria-label="Linked wallets">
          {list.data?.items.map((w) => (
            <li key={w.address} className="py-2 text-sm">
              <div className="flex flex-wrap items-center justify-between gap-2">
                <span className="font-mono" title={w.address}>
                  {shortAddress(w.address)}
                </span>
                {w.primary ? (
                  <Chip tone="green">Payout address</Chip>
                ) : (
                  <span className="flex gap-1">
                    <button type="button" className={btn.ghost} disabled={busy !== null} onClick={() => run(`payout-${w.address}`, () => client.setPayout(w.address))}>
                      Make payout<span className="sr-only"> address: {w.address}</span>
                    </button>
                    <button type="button" className={btn.ghost} disabled={busy !== null} onClick={() => run(`unlink-${w.address}`, () => client.unlinkWallet(w.address))}>
                      Unlink<span className="sr-only"> {w.address}</span>
                    </button>
                  </span>
                )}
              </div>
              <p className="text-xs text-slate-500">linked {formatDate(w.linkedAt)}</p>
            </li>
          ))}
        </ul>
      )}
      {wallets.length > 0 && (
        <div className="mt-3 border-t border-slate-100 pt-3">
          <p className="text-sm font-medium text-slate-700">Link another wallet</p>
          <p className="text-xs text-slate-600">Choose the wallet, switch it to the account to link, and sign.</p>
          <ul className="mt-2 flex flex-wrap gap-2">
            {wallets.map((w) => (
              <li key={w.info.uuid}>
                <button
                  type="button"
                  className={btn.secondary}
                  disabled={busy !== null}
                  onClick={() => run(`link-${w.info.uuid}`, async () => linkWallet(client, w.provider, await serverChain()))}
                >
                  {busy === `link-${w.info.uuid}` ? "Waiting for your wallet…" : `Link ${w.info.name}`}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      {error && (
        <div className="mt-3">
          <ErrorNotice error={error} title="That did not work" />
        </div>
      )}
    </Card>
  );
}
