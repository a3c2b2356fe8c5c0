import { useState } from "react";
import type { ApiError } from "../api";
import { formatDate, shortAddress } from "../format";
import { toApiError, useAsync } from "../hooks";
import { serverChain, useSession, useWallets } from "../session";
import { linkWallet } from "../siwe";
import { Card, Chip, ErrorNotice, Spinner, btn } from "./ui";
import { strings } from "../strings";

const W = strings.wallets;

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
        {W.title}
      </h2>
      <p className="mt-1 text-sm text-slate-600">{W.sub}</p>
      {list.loading && !list.data ? (
        <Spinner label={W.loading} />
      ) : list.error ? (
        <ErrorNotice error={list.error} title={W.failed} onRetry={list.reload} />
      ) : (
        <ul className="mt-3 divide-y divide-slate-100" aria-label={W.list}>
          {list.data?.items.map((w) => (
            <li key={w.address} className="py-2 text-sm">
              <div className="flex flex-wrap items-center justify-between gap-2">
                <span className="font-mono" title={w.address}>
                  {shortAddress(w.address)}
                </span>
                {w.primary ? (
                  <Chip tone="green">{W.payout}</Chip>
                ) : (
                  <span className="flex gap-1">
                    <button type="button" className={btn.ghost} disabled={busy !== null} onClick={() => run(`payout-${w.address}`, () => client.setPayout(w.address))}>
                      {W.makePayout}<span className="sr-only">{W.makePayoutFor(w.address)}</span>
                    </button>
                    <button type="button" className={btn.ghost} disabled={busy !== null} onClick={() => run(`unlink-${w.address}`, () => client.unlinkWallet(w.address))}>
                      {W.unlink}<span className="sr-only"> {w.address}</span>
                    </button>
                  </span>
                )}
              </div>
              <p className="text-xs text-slate-500">{W.linked(formatDate(w.linkedAt))}</p>
            </li>
          ))}
        </ul>
      )}
      {wallets.length > 0 && (
        <div className="mt-3 border-t border-slate-100 pt-3">
          <p className="text-sm font-medium text-slate-700">{W.linkAnother}</p>
          <p className="text-xs text-slate-600">{W.linkHow}</p>
          <ul className="mt-2 flex flex-wrap gap-2">
            {wallets.map((w) => (
              <li key={w.info.uuid}>
                <button
                  type="button"
                  className={btn.secondary}
                  disabled={busy !== null}
                  onClick={() => run(`link-${w.info.uuid}`, async () => linkWallet(client, w.provider, await serverChain()))}
                >
                  {busy === `link-${w.info.uuid}` ? W.waiting : W.link(w.info.name)}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      {error && (
        <div className="mt-3">
          <ErrorNotice error={error} title={W.failedAction} />
        </div>
      )}
    </Card>
  );
}
