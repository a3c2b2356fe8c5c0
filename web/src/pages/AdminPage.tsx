// Admin: people's roles (grant, revoke), validators and the slashing candidates (slash through the
// chain), and the background work: the queue by kind, this node's runs, and the jobs that gave up,
// each of which can be tried again (GET /admin/jobs/stats, /admin/jobs?state=dead, POST …/retry).
import { useState, type FormEvent } from "react";
import { actingRoles, type Job, type Role, type User, type ValidatorStanding } from "../api";
import { Card, Chip, Empty, ErrorNotice, PageTitle, Spinner, btn, cx, input, label } from "../components/ui";
import { formatDate, formatNumber, isAddress, parseTokens, shortAddress } from "../format";
import { useAction, useAsync, useDocumentTitle, usePaged } from "../hooks";
import { Link } from "../router";
import { useSession } from "../session";
import { strings } from "../strings";
import { tokens } from "./StakingPage";

const a = strings.admin;
const ROLES: Role[] = ["creator", "validator", "admin", "user"];

function Roles() {
  const s = useSession();
  const [only, setOnly] = useState<Role | "">("");
  const people = usePaged((cursor) => s.client.users(cursor, only || undefined), [only]);
  const [address, setAddress] = useState("");
  const [role, setRole] = useState<Role>("creator");
  const { busy, error, run } = useAction();
  const [done, setDone] = useState<string | null>(null);
  const [bad, setBad] = useState(false);

  async function act(f: () => Promise<unknown>, said: string) {
    setDone(null);
    if ((await run(async () => (await f(), true))) === true) {
      setDone(said);
      people.reload();
    }
  }
  function grant(e: FormEvent) {
    e.preventDefault();
    const who = address.trim();
    if (!isAddress(who)) {
      setBad(true);
      return;
    }
    setBad(false);
    void act(() => s.client.grantRole(who, role), a.granted(a.roleNames[role], shortAddress(who)));
  }
  const name = (u: User) => u.displayName || shortAddress(u.address);
  return (
    <Card aria-labelledby="roles-title">
      <h2 id="roles-title" className="text-lg font-semibold text-slate-900">
        {a.roles}
      </h2>
      <p className="mt-1 text-sm text-slate-700">{a.rolesSub}</p>
      <form onSubmit={grant} noValidate className="mt-3 grid gap-3 sm:grid-cols-[1fr_10rem_auto] sm:items-end">
        <div className="min-w-0">
          <label className={label} htmlFor="role-address">
            {a.address}
          </label>
          <input id="role-address" className={cx(input, "font-mono", bad && "border-red-500")} value={address} onChange={(e) => setAddress(e.target.value)} placeholder="0x…" aria-invalid={bad} aria-describedby={bad ? "role-address-bad" : undefined} spellCheck={false} />
          {bad && (
            <p id="role-address-bad" className="mt-1 text-xs text-red-700">
              {a.badAddress}
            </p>
          )}
        </div>
        <div>
          <label className={label} htmlFor="role-name">
            {a.role}
          </label>
          <select id="role-name" className={input} value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {a.roleNames[r]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className={btn.primary} disabled={busy}>
          {a.grant}
        </button>
      </form>
      {done && (
        <p role="status" className="mt-3 text-sm font-semibold text-emerald-800">
          {done}
        </p>
      )}
      {error && <div className="mt-3"><ErrorNotice error={error} /></div>}
      <div className="mt-5 flex flex-wrap items-end justify-between gap-2">
        <h3 className="font-semibold text-slate-900">{a.people}</h3>
        <div>
          <label className={label} htmlFor="role-filter">
            {a.showRole}
          </label>
          <select id="role-filter" className={input} value={only} onChange={(e) => setOnly(e.target.value as Role | "")}>
            <option value="">{a.everyone}</option>
            {ROLES.filter((r) => r !== "user").map((r) => (
              <option key={r} value={r}>
                {a.withRole(a.roleNames[r])}
              </option>
            ))}
          </select>
        </div>
      </div>
      {people.loading && <Spinner />}
      {!people.loading && !people.error && only && people.items.length === 0 && <p className="mt-2 text-sm text-slate-700">{a.noneWithRole(a.roleNames[only])}</p>}
      {people.error && <ErrorNotice error={people.error} onRetry={people.reload} />}
      <ul className="mt-2 divide-y divide-slate-100" aria-label={a.people}>
        {people.items.map((u) => (
          <li key={u.address} className="flex flex-wrap items-center gap-2 py-2" data-testid="person">
            <Link to={`/wallet/${u.address}`} className="min-w-0 flex-1 truncate font-medium text-slate-900 underline-offset-2 hover:underline" title={u.address}>
              {name(u)}
            </Link>
            {u.roles.map((r) =>
              r === "user" ? (
                <Chip key={r}>{a.roleNames[r]}</Chip>
              ) : (
                <button key={r} type="button" className="rounded-full bg-brand-50 px-2.5 py-0.5 text-xs font-semibold text-brand-700 ring-1 ring-inset ring-brand-200 hover:bg-brand-100" disabled={busy} onClick={() => act(() => s.client.revokeRole(u.address, r), a.revoked(a.roleNames[r] ?? r, name(u)))} aria-label={a.revoke(a.roleNames[r] ?? r, name(u))} title={a.revoke(a.roleNames[r] ?? r, name(u))}>
                  {a.roleNames[r] ?? r} ✕
                </button>
              ),
            )}
          </li>
        ))}
      </ul>
      {people.hasMore && (
        <button type="button" className={cx(btn.secondary, "mt-3")} onClick={people.loadMore} disabled={people.loadingMore}>
          {strings.app.showMore}
        </button>
      )}
    </Card>
  );
}

function Slash({ v, onDone }: { v: ValidatorStanding; onDone: (said: string) => void }) {
  const s = useSession();
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [burn, setBurn] = useState(false);
  const { busy, error, run } = useAction();
  const [bad, setBad] = useState<string | null>(null);
  const id = `slash-${v.id}`;
  async function submit(e: FormEvent) {
    e.preventDefault();
    const wei = parseTokens(amount);
    if (wei === null || wei === 0n) return setBad(strings.staking.badAmount);
    if (!reason.trim()) return setBad(`${a.slashReason}: ${a.required}`);
    setBad(null);
    const r = await run(() => s.client.slash(v.address, { amount: wei.toString(), burn, reason: reason.trim() }));
    if (r) onDone(a.slashSent(r.intentId));
  }
  return (
    <details className="mt-2 rounded-lg border border-slate-200 p-3">
      <summary className="cursor-pointer text-sm font-semibold text-red-700">{a.slash(shortAddress(v.address))}</summary>
      <form onSubmit={submit} noValidate className="mt-3 grid gap-3 sm:grid-cols-2">
        <div>
          <label className={label} htmlFor={`${id}-amount`}>
            {a.slashAmount}
          </label>
          <input id={`${id}-amount`} className={input} inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />
        </div>
        <div>
          <label className={label} htmlFor={`${id}-reason`}>
            {a.slashReason}
          </label>
          <input id={`${id}-reason`} className={input} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
        </div>
        <label className="flex items-center gap-2 text-sm text-slate-800 sm:col-span-2">
          <input type="checkbox" className="h-4 w-4" checked={burn} onChange={(e) => setBurn(e.target.checked)} />
          {a.slashBurn}
        </label>
        {bad && (
          <p role="alert" className="text-sm text-red-700 sm:col-span-2">
            {bad}
          </p>
        )}
        <div className="sm:col-span-2">
          <button type="submit" className={btn.danger} disabled={busy}>
            {a.slash(shortAddress(v.address))}
          </button>
        </div>
      </form>
      {error && <div className="mt-3"><ErrorNotice error={error} /></div>}
    </details>
  );
}

function Validators() {
  const s = useSession();
  const [only, setOnly] = useState(false);
  const list = useAsync(() => s.client.adminValidators(only), [only]);
  const [done, setDone] = useState<string | null>(null);
  return (
    <Card aria-labelledby="validators-title">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 id="validators-title" className="text-lg font-semibold text-slate-900">
          {a.validators}
        </h2>
        <label className="flex items-center gap-2 text-sm text-slate-800">
          <input type="checkbox" className="h-4 w-4" checked={only} onChange={(e) => setOnly(e.target.checked)} />
          {a.candidatesOnly}
        </label>
      </div>
      {done && (
        <p role="status" className="mt-3 text-sm font-semibold text-emerald-800">
          {done}
        </p>
      )}
      {list.loading && <Spinner />}
      {list.error && <ErrorNotice error={list.error} onRetry={list.reload} />}
      {list.data && list.data.items.length === 0 && <p className="mt-3 text-sm text-slate-700">{only ? a.noCandidates : a.noValidators}</p>}
      {list.data && list.data.items.length > 0 && (
        <ul className="mt-3 space-y-3" aria-label={a.validators}>
          {list.data.items.map((v) => (
            <li key={v.id} className="rounded-xl border border-slate-200 p-3" data-testid="validator">
              <div className="flex flex-wrap items-center gap-2">
                <Link to={`/wallet/${v.address}`} className="min-w-0 flex-1 truncate font-mono text-sm font-medium text-slate-900 underline-offset-2 hover:underline">
                  {shortAddress(v.address)}
                </Link>
                {v.slashingCandidate && <Chip tone="red">{a.candidate}</Chip>}
                <Chip tone={v.status === "active" ? "green" : "slate"}>{a.status[v.status] ?? v.status}</Chip>
              </div>
              <p className="mt-1 text-sm text-slate-700">
                {tokens(v.stake)} · {a.accuracy(`${Math.round(v.accuracy * 1000) / 10}%`)} · {a.outliers(v.outlierStreak)}
              </p>
              <Slash v={v} onDone={(said) => { setDone(said); list.reload(); }} />
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function DeadJob({ job, onRetried }: { job: Job; onRetried: (said: string) => void }) {
  const s = useSession();
  const { busy, error, run } = useAction();
  async function retry() {
    const r = await run(() => s.client.retryJob(job.id));
    if (r) onRetried(a.retried(job.id));
  }
  return (
    <li className="py-2" data-testid="dead-job">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <span className="min-w-0 break-words">{a.jobLine(job.kind, job.attempts, formatDate(job.updatedAt))}</span>
        <button type="button" className={btn.secondary} disabled={busy} onClick={retry} aria-label={a.retryJob(job.id)}>
          {a.retry}
        </button>
      </div>
      {job.lastError && (
        <p className="mt-1 break-words text-xs text-slate-600">
          {a.lastError}: {job.lastError}
        </p>
      )}
      {error && <div className="mt-2"><ErrorNotice error={error} /></div>}
    </li>
  );
}

function Jobs() {
  const s = useSession();
  const figures = useAsync(() => s.client.jobStats(), []);
  const dead = usePaged((cursor) => s.client.jobs({ state: "dead" }, cursor), []);
  const [done, setDone] = useState<string | null>(null);
  const waiting = (figures.data?.kinds ?? []).flatMap((k) =>
    (["queued", "running"] as const).filter((st) => k[st] > 0).map((st) => ({ kind: k.kind, state: st, count: k[st] })),
  );
  const runs = figures.data?.runs as Record<string, number> | undefined;
  return (
    <Card aria-labelledby="jobs-title">
      <h2 id="jobs-title" className="text-lg font-semibold text-slate-900">
        {a.jobs}
      </h2>
      <p className="mt-1 text-sm text-slate-700">{a.jobsSub}</p>
      {figures.loading && <Spinner />}
      {figures.error && <p className="mt-2 text-sm text-slate-700">{a.jobsUnavailable}</p>}
      {runs && (
        <>
          <dl className="mt-3 grid grid-cols-2 gap-3 sm:grid-cols-4">
            {["done", "retried", "dead", "lost"].map((k) => (
              <div key={k} className="rounded-xl border border-slate-200 p-3">
                <dt className="text-xs text-slate-600">{a.jobRuns[k]}</dt>
                <dd className="text-xl font-semibold tabular-nums text-slate-900" data-testid={`jobs-${k}`}>
                  {formatNumber(runs[k] ?? 0)}
                </dd>
              </div>
            ))}
          </dl>
          <h3 className="mt-4 font-semibold text-slate-900">{a.queue}</h3>
          {waiting.length === 0 ? (
            <p className="mt-1 text-sm text-slate-700">{a.queueEmpty}</p>
          ) : (
            <ul className="mt-1 text-sm text-slate-800">
              {waiting.map((q) => (
                <li key={`${q.kind}-${q.state}`}>{a.queueRow(q.kind, a.jobStates[q.state] ?? q.state, q.count)}</li>
              ))}
            </ul>
          )}
        </>
      )}
      <h3 className="mt-4 font-semibold text-slate-900">{a.deadLetters}</h3>
      {done && (
        <p role="status" className="mt-1 text-sm font-semibold text-emerald-800">
          {done}
        </p>
      )}
      {dead.loading && <Spinner />}
      {dead.error && <ErrorNotice error={dead.error} onRetry={dead.reload} />}
      {!dead.loading && !dead.error && dead.items.length === 0 && (
        <p className="mt-1 text-sm text-slate-700" data-testid="dead-letters">
          {a.noDeadLetters}
        </p>
      )}
      {dead.items.length > 0 && (
        <ul className="mt-1 divide-y divide-slate-100 text-sm text-slate-800" data-testid="dead-letters">
          {dead.items.map((j) => (
            <DeadJob key={j.id} job={j} onRetried={(said) => { setDone(said); dead.reload(); figures.reload(); }} />
          ))}
        </ul>
      )}
      {dead.hasMore && (
        <button type="button" className={cx(btn.secondary, "mt-3")} onClick={dead.loadMore} disabled={dead.loadingMore}>
          {a.moreDead}
        </button>
      )}
      <p className="mt-2 text-xs text-slate-600">{a.deadLettersNote}</p>
    </Card>
  );
}

export function AdminPage() {
  useDocumentTitle(a.title);
  const s = useSession();
  return (
    <>
      <PageTitle sub={a.sub}>{a.title}</PageTitle>
      {s.status === "checking" ? (
        <Spinner />
      ) : !s.me ? (
        <Empty title={a.notAllowed}>
          <button type="button" className={cx(btn.primary, "mt-3")} onClick={s.openSignIn}>
            {strings.app.signIn}
          </button>
        </Empty>
      ) : !actingRoles(s.me).includes("admin") ? (
        <Empty title={a.notAllowed} />
      ) : (
        <div className="grid gap-6 lg:grid-cols-2">
          <Roles />
          <div className="space-y-6">
            <Validators />
            <Jobs />
          </div>
        </div>
      )}
    </>
  );
}
