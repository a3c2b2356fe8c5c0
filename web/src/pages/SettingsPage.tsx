// Settings: the person's profile (PATCH /me), the wallets they sign in with and the payout address
// (LinkedWallets), their API keys (GET /me/keys, revoke) and their webhooks (list, add with the
// events chosen, the signing secret shown once, delete).
import { useEffect, useState, type FormEvent } from "react";
import type { Webhook } from "../api";
import { LinkedWallets } from "../components/LinkedWallets";
import { Card, Chip, Empty, ErrorNotice, PageTitle, Spinner, btn, cx, input, label } from "../components/ui";
import { formatDate } from "../format";
import { useAction, useDocumentTitle, usePaged } from "../hooks";
import { useSession } from "../session";
import { strings } from "../strings";

const k = strings.settings;
const EVENTS = Object.keys(k.eventNames);

function Profile() {
  const s = useSession();
  const [name, setName] = useState(s.me?.displayName ?? "");
  const [bio, setBio] = useState(s.me?.bio ?? "");
  const [done, setDone] = useState(false);
  const { busy, error, run } = useAction();
  useEffect(() => {
    setName(s.me?.displayName ?? "");
    setBio(s.me?.bio ?? "");
  }, [s.me?.address, s.me?.displayName, s.me?.bio]);
  async function save(e: FormEvent) {
    e.preventDefault();
    setDone(false);
    if (await run(() => s.client.updateMe({ displayName: name.trim(), bio }))) {
      setDone(true);
      await s.refreshMe().catch(() => undefined);
    }
  }
  return (
    <Card aria-labelledby="h-profile">
      <h2 id="h-profile" className="text-lg font-semibold text-slate-900">
        {k.profile}
      </h2>
      <form onSubmit={save} className="mt-3 space-y-3">
        <div>
          <label htmlFor="set-name" className={label}>
            {k.displayName}
          </label>
          <input id="set-name" className={cx(input, "mt-1")} maxLength={64} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div>
          <label htmlFor="set-bio" className={label}>
            {k.bio}
          </label>
          <textarea id="set-bio" rows={3} className={cx(input, "mt-1")} maxLength={1000} value={bio} onChange={(e) => setBio(e.target.value)} />
        </div>
        {error && <ErrorNotice error={error} title={k.notSaved} />}
        {done && (
          <p role="status" className="text-sm font-semibold text-emerald-800">
            {k.saved}
          </p>
        )}
        <button type="submit" className={btn.primary} disabled={busy}>
          {busy ? k.saving : k.save}
        </button>
      </form>
    </Card>
  );
}

function Keys() {
  const s = useSession();
  const keys = usePaged((cursor) => s.client.myKeys(cursor), []);
  const { busy, error, run } = useAction();
  const [done, setDone] = useState(false);
  async function revoke(id: number) {
    setDone(false);
    if ((await run(async () => (await s.client.revokeKey(id), true))) === true) {
      setDone(true);
      keys.reload();
    }
  }
  return (
    <Card aria-labelledby="h-keys">
      <h2 id="h-keys" className="text-lg font-semibold text-slate-900">
        {k.keys}
      </h2>
      <p className="mt-1 text-sm text-slate-700">{k.keysSub}</p>
      {keys.loading && <Spinner />}
      {keys.error && <ErrorNotice error={keys.error} onRetry={keys.reload} />}
      {!keys.loading && !keys.error && keys.items.length === 0 && <p className="mt-2 text-sm text-slate-700">{k.noKeys}</p>}
      {done && (
        <p role="status" className="mt-2 text-sm font-semibold text-emerald-800">
          {k.keyRevoked}
        </p>
      )}
      {error && <div className="mt-2"><ErrorNotice error={error} /></div>}
      <ul className="mt-2 divide-y divide-slate-100" aria-label={k.keys}>
        {keys.items.map((key) => (
          <li key={key.id} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm" data-testid="api-key">
            <span className="min-w-0 break-words">
              {key.label && <span className="font-medium text-slate-900">{key.label} · </span>}
              <span className="text-slate-700">{k.keyLine(key.prefix, strings.admin.roleNames[key.role] ?? key.role, formatDate(key.createdAt))}</span>
            </span>
            {key.revokedAt ? (
              <Chip>{k.revoked(formatDate(key.revokedAt))}</Chip>
            ) : (
              <button type="button" className={btn.secondary} disabled={busy} onClick={() => revoke(key.id)} aria-label={k.revokeKey(key.label || key.prefix)}>
                {k.revoke}
              </button>
            )}
          </li>
        ))}
      </ul>
    </Card>
  );
}

function Webhooks() {
  const s = useSession();
  const hooks = usePaged((cursor) => s.client.webhooks(cursor), []);
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<string[]>([]);
  const [bad, setBad] = useState(false);
  const [made, setMade] = useState<Webhook | null>(null);
  const add = useAction();
  const del = useAction();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setMade(null);
    if (!events.length) return setBad(true);
    setBad(false);
    const h = await add.run(() => s.client.createWebhook(url.trim(), events));
    if (h) {
      setMade(h);
      setUrl("");
      setEvents([]);
      hooks.reload();
    }
  }
  async function remove(id: number) {
    if ((await del.run(async () => (await s.client.deleteWebhook(id), true))) === true) hooks.reload();
  }
  return (
    <Card aria-labelledby="h-hooks">
      <h2 id="h-hooks" className="text-lg font-semibold text-slate-900">
        {k.webhooks}
      </h2>
      <p className="mt-1 text-sm text-slate-700">{k.webhooksSub}</p>
      {hooks.loading && <Spinner />}
      {hooks.error && <ErrorNotice error={hooks.error} onRetry={hooks.reload} />}
      {!hooks.loading && !hooks.error && hooks.items.length === 0 && <p className="mt-2 text-sm text-slate-700">{k.noWebhooks}</p>}
      {del.error && <div className="mt-2"><ErrorNotice error={del.error} /></div>}
      <ul className="mt-2 divide-y divide-slate-100" aria-label={k.webhooks}>
        {hooks.items.map((h) => (
          <li key={h.id} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm" data-testid="webhook">
            <span className="min-w-0 break-all">
              <span className="font-medium text-slate-900">{h.url}</span>
              <span className="block text-xs text-slate-600">{k.hookLine(h.events.length, h.active)}</span>
            </span>
            <button type="button" className={btn.secondary} disabled={del.busy} onClick={() => remove(h.id)} aria-label={k.removeHook(h.url)}>
              {k.remove}
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={submit} className="mt-4 space-y-3 border-t border-slate-100 pt-4">
        <div>
          <label htmlFor="hook-url" className={label}>
            {k.url}
          </label>
          <input id="hook-url" type="url" required className={cx(input, "mt-1")} placeholder={k.urlPlaceholder} value={url} onChange={(e) => setUrl(e.target.value)} />
        </div>
        <fieldset>
          <legend className={label}>{k.events}</legend>
          <div className="mt-1 grid gap-1 sm:grid-cols-2">
            {EVENTS.map((ev) => (
              <label key={ev} className="flex items-center gap-2 text-sm text-slate-800">
                <input type="checkbox" checked={events.includes(ev)} onChange={(e) => setEvents((old) => (e.target.checked ? [...old, ev] : old.filter((x) => x !== ev)))} />
                {k.eventNames[ev]}
              </label>
            ))}
          </div>
          {bad && (
            <p role="alert" className="mt-1 text-sm text-red-700">
              {k.pickEvent}
            </p>
          )}
        </fieldset>
        {add.error && <ErrorNotice error={add.error} title={k.notAdded} />}
        {made?.secret && (
          <div role="status" className="rounded-lg border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900">
            <p>{k.secret}</p>
            <p className="mt-1 break-all font-mono" data-testid="webhook-secret">
              {made.secret}
            </p>
          </div>
        )}
        <button type="submit" className={btn.primary} disabled={add.busy}>
          {add.busy ? k.adding : k.add}
        </button>
      </form>
    </Card>
  );
}

export function SettingsPage() {
  useDocumentTitle(k.title);
  const s = useSession();
  return (
    <>
      <PageTitle sub={k.sub}>{k.title}</PageTitle>
      {s.status === "checking" ? (
        <Spinner />
      ) : !s.me ? (
        <Empty title={k.signInTitle}>
          <button type="button" className={cx(btn.primary, "mt-3")} onClick={s.openSignIn}>
            {strings.app.signIn}
          </button>
        </Empty>
      ) : (
        <div className="grid gap-6 lg:grid-cols-2">
          <div className="min-w-0 space-y-6">
            <Profile />
            {s.credential?.kind === "siwe" ? <LinkedWallets /> : <p className="text-sm text-slate-700">{k.walletsNote}</p>}
          </div>
          <div className="min-w-0 space-y-6">
            <Keys />
            <Webhooks />
          </div>
        </div>
      )}
    </>
  );
}
