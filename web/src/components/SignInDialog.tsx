import { useEffect, useRef, useState, type FormEvent } from "react";
import { toApiError } from "../hooks";
import { useSession, useWallets } from "../session";
import type { ApiError } from "../api";
import type { DiscoveredWallet } from "../wallets";
import { ErrorNotice, btn, input, label } from "./ui";
import { strings } from "../strings";

const t = strings.signIn;

/** How to sign in: with the browser's wallet (Sign-In with Ethereum, EIP-4361), or with an API
 *  key. The rest of the app only sees the session. */
export function SignInDialog() {
  const s = useSession();
  const ref = useRef<HTMLDialogElement>(null);
  const [key, setKey] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const wallets = useWallets();

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (s.signInOpen && !d.open) {
      setKey("");
      setError(null);
      if (typeof d.showModal === "function") d.showModal();
      else d.setAttribute("open", "");
    } else if (!s.signInOpen && d.open) {
      d.close();
    }
  }, [s.signInOpen]);

  async function withWallet(w: DiscoveredWallet) {
    setBusy(true);
    setError(null);
    try {
      await s.signInWithWallet(w);
      s.closeSignIn();
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await s.signInWithApiKey(key);
      s.closeSignIn();
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog
      ref={ref}
      onClose={s.closeSignIn}
      aria-labelledby="signin-title"
      className="w-[min(34rem,calc(100vw-2rem))] rounded-2xl border border-slate-200 p-0 text-slate-900 shadow-2xl backdrop:bg-slate-900/50"
    >
      <form onSubmit={submit} className="space-y-4 p-6">
        <div>
          <h2 id="signin-title" className="text-lg font-bold">
            {t.title}
          </h2>
          <p className="mt-1 text-sm text-slate-600">
            {t.lead}
          </p>
          {wallets.length > 0 ? (
            <ul className="mt-3 space-y-2" aria-label={t.wallets}>
              {wallets.map((w) => (
                <li key={w.info.uuid}>
                  <button type="button" className={`${btn.secondary} w-full justify-start`} disabled={busy} onClick={() => withWallet(w)}>
                    {w.info.icon ? (
                      <img src={w.info.icon} alt="" width={24} height={24} className="h-6 w-6 rounded" />
                    ) : (
                      <span className="flex h-6 w-6 items-center justify-center rounded bg-slate-200 text-xs" aria-hidden="true">
                        ◆
                      </span>
                    )}
                    <span>{t.withWallet(w.info.name)}</span>
                  </button>
                </li>
              ))}
            </ul>
          ) : (
            <p className="mt-3 rounded-lg bg-slate-50 p-3 text-sm text-slate-700">
              {t.noWallet}
            </p>
          )}
          {busy && <p role="status" className="mt-2 text-sm text-slate-600">{t.waiting}</p>}
        </div>
        <details className="border-t border-slate-200 pt-4">
          <summary className="cursor-pointer text-sm font-semibold text-slate-700">{t.developers}</summary>
          <p className="mt-2 text-sm text-slate-600">
            {t.developersLead}
          </p>
          <label htmlFor="api-key" className={`${label} mt-3`}>
            {t.key}
          </label>
          <input
            id="api-key"
            name="api-key"
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder="phk_…"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            className={`${input} mt-1 font-mono`}
          />
          <div className="mt-3 flex justify-end">
            <button type="submit" className={btn.primary} disabled={busy || !key.trim()}>
              {busy ? t.checking : t.useKey}
            </button>
          </div>
        </details>
        {error && <ErrorNotice error={error} title={t.failed} hint={null} />}
        <div className="flex justify-end gap-2">
          <button type="button" className={btn.secondary} onClick={s.closeSignIn}>
            {t.cancel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
