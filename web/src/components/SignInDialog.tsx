import { useEffect, useRef, useState, type FormEvent } from "react";
import { toApiError } from "../hooks";
import { useSession } from "../session";
import type { ApiError } from "../api";
import { ErrorNotice, btn, input, label } from "./ui";

/** How to sign in: with the browser's wallet (Sign-In with Ethereum, EIP-4361), or with an API
 *  key. The rest of the app only sees the session. */
export function SignInDialog() {
  const s = useSession();
  const ref = useRef<HTMLDialogElement>(null);
  const [key, setKey] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

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

  async function withWallet() {
    if (!s.signInWithWallet) return;
    setBusy(true);
    setError(null);
    try {
      await s.signInWithWallet();
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
            Sign in with your wallet
          </h2>
          <p className="mt-1 text-sm text-slate-600">
            Your wallet signs a one-time message from this server (Sign-In with Ethereum); no transaction, no fee.
          </p>
          <button type="button" className={`${btn.primary} mt-3`} disabled={busy || !s.signInWithWallet} onClick={withWallet}>
            {busy ? "Waiting for the wallet…" : "Sign in with Ethereum"}
          </button>
          {!s.signInWithWallet && (
            <p className="mt-1 text-xs text-slate-600">No browser wallet was found in this browser; an API key works instead.</p>
          )}
        </div>
        <div className="border-t border-slate-200 pt-4">
          <h3 className="text-base font-bold">Or use an API key</h3>
          <p className="mt-1 text-sm text-slate-600">
            Reading is open to everyone. To submit work or join a guild, paste an API key. It is kept in this tab only
            (sessionStorage) and sent as <code className="rounded bg-slate-100 px-1 font-mono text-xs">Authorization: Bearer</code>.
          </p>
        </div>
        <div>
          <label htmlFor="api-key" className={label}>
            API key
          </label>
          <input
            id="api-key"
            name="api-key"
            type="password"
            autoComplete="off"
            spellCheck={false}
            required
            placeholder="phk_…"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            className={`${input} mt-1 font-mono`}
            aria-describedby="api-key-help"
          />
          <p id="api-key-help" className="mt-1 text-xs text-slate-600">
            Create one with <code className="font-mono">pheme key create --role user --owner 0x…</code> (the last line it prints).
          </p>
        </div>
        {error && <ErrorNotice error={error} title="Not signed in" hint={null} />}
        <div className="flex justify-end gap-2">
          <button type="button" className={btn.secondary} onClick={s.closeSignIn}>
            Cancel
          </button>
          <button type="submit" className={btn.primary} disabled={busy || !key.trim()}>
            {busy ? "Checking…" : "Use this key"}
          </button>
        </div>
      </form>
    </dialog>
  );
}
