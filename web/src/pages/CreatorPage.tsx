// The creator console: your tasks, a task form with a rubric builder (post and edit), the people
// who fit a task with the reasons (GET /tasks/:id/candidates), and assigning your open bounties
// (POST /tasks/assign, then confirm).
import { useState, type FormEvent } from "react";
import { actingRoles, type ApiError, type AssignProposal, type Candidate, type Task, type TaskType } from "../api";
import { BackLink, Card, Chip, Empty, ErrorNotice, PageTitle, Spinner, btn, cx, input, label, statusTone, typeTone } from "../components/ui";
import { formatDate, shortAddress } from "../format";
import { toApiError, useAction, useAsync, useDocumentTitle, usePaged } from "../hooks";
import { EVIDENCE_TYPES, emptyForm, formOf, formProblems, rubricTotal, taskBody, type TaskForm } from "../rubric";
import { Link, navigate, useLocation } from "../router";
import { useSession } from "../session";
import { strings } from "../strings";

const c = strings.create;

function SignInFirst() {
  const s = useSession();
  return (
    <Empty title={strings.app.signInToContinue}>
      <button type="button" className={cx(btn.primary, "mt-3")} onClick={s.openSignIn}>
        {strings.app.signIn}
      </button>
    </Empty>
  );
}

/** Creators and admins post tasks; anyone else is told who to ask (an API key acts with its own
 *  role, which /me names). */
function RoleNote() {
  const s = useSession();
  const roles = s.me ? actingRoles(s.me) : [];
  if (!s.me || roles.includes("creator") || roles.includes("admin")) return null;
  return (
    <div role="note" className="mb-6 rounded-xl border border-amber-200 bg-amber-50 p-4 text-sm text-amber-900">
      <p className="font-semibold">{c.notAllowed}</p>
      <p>{c.notAllowedText}</p>
    </div>
  );
}

function Assign() {
  const s = useSession();
  const [appliedOnly, setAppliedOnly] = useState(false);
  const { busy, error, run: act } = useAction();
  const [proposal, setProposal] = useState<AssignProposal | null>(null);
  const [done, setDone] = useState(false);
  async function run(f: () => Promise<AssignProposal>, confirmed: boolean) {
    const p = await act(f);
    if (!p) return;
    setProposal(p);
    setDone(confirmed);
  }
  return (
    <Card aria-labelledby="assign-title">
      <h2 id="assign-title" className="text-lg font-semibold text-slate-900">
        {c.assign.title}
      </h2>
      <p className="mt-1 text-sm text-slate-700">{c.assign.sub}</p>
      <div className="mt-3 flex flex-wrap items-center gap-4">
        <label className="flex items-center gap-2 text-sm text-slate-800">
          <input type="checkbox" checked={appliedOnly} onChange={(e) => setAppliedOnly(e.target.checked)} className="h-4 w-4" />
          {c.assign.appliedOnly}
        </label>
        <button type="button" className={btn.secondary} disabled={busy} onClick={() => run(() => s.client.proposeAssignment(appliedOnly), false)}>
          {busy && !proposal ? c.assign.proposing : c.assign.propose}
        </button>
      </div>
      {error && <div className="mt-3"><ErrorNotice error={error} /></div>}
      {proposal && (
        <div className="mt-4" data-testid="assignment">
          {proposal.pairs.length === 0 ? (
            <p className="text-sm text-slate-700">{c.assign.none}</p>
          ) : (
            <>
              <h3 className="font-semibold text-slate-900">{c.assign.pairs}</h3>
              <ul className="mt-2 space-y-1 text-sm text-slate-800">
                {proposal.pairs.map((p) => (
                  <li key={`${p.taskId}-${p.userId}`}>
                    <Link to={`/tasks/${p.taskId}`} className="underline underline-offset-2">
                      #{p.taskId}
                    </Link>{" "}
                    →{" "}
                    <Link to={`/wallet/${p.address}`} className="font-mono underline underline-offset-2">
                      {shortAddress(p.address)}
                    </Link>{" "}
                    ({c.candidates.fit(p.fit)})
                  </li>
                ))}
              </ul>
              <p className="mt-2 text-sm text-slate-700">{c.assign.total(proposal.totalFit)}</p>
              {done ? (
                <p role="status" className="mt-2 text-sm font-semibold text-emerald-800">
                  {c.assign.confirmed}
                </p>
              ) : (
                <button type="button" className={cx(btn.primary, "mt-3")} disabled={busy} onClick={() => run(() => s.client.confirmAssignment(proposal.id), true)}>
                  {c.assign.confirm}
                </button>
              )}
            </>
          )}
        </div>
      )}
    </Card>
  );
}

export function CreatorPage() {
  useDocumentTitle(c.title);
  const s = useSession();
  const mine = usePaged((cursor) => (s.me ? s.client.tasks({ creator: s.me.address }, cursor) : Promise.resolve({ items: [] as Task[], nextCursor: null })), [s.me?.address]);
  return (
    <>
      <PageTitle
        sub={c.sub}
        actions={
          s.me ? (
            <Link to="/create/new" className={btn.primary}>
              {c.newTask}
            </Link>
          ) : undefined
        }
      >
        {c.title}
      </PageTitle>
      {!s.me ? (
        s.status === "checking" ? <Spinner /> : <SignInFirst />
      ) : (
        <div className="space-y-6">
          <RoleNote />
          <Card aria-labelledby="mine-title">
            <h2 id="mine-title" className="mb-3 text-lg font-semibold text-slate-900">
              {c.yourTasks}
            </h2>
            {mine.loading && <Spinner />}
            {mine.error && <ErrorNotice error={mine.error} onRetry={mine.reload} />}
            {!mine.loading && !mine.error && mine.items.length === 0 && <Empty title={c.noTasks}>{c.noTasksText}</Empty>}
            {mine.items.length > 0 && (
              <ul className="divide-y divide-slate-100" aria-label={c.yourTasks}>
                {mine.items.map((t) => (
                  <li key={t.id} className="flex flex-wrap items-center gap-3 py-3">
                    <div className="min-w-0 flex-1">
                      <Link to={`/create/${t.id}`} className="font-medium text-slate-900 underline-offset-2 hover:underline" aria-label={c.manage(t.title)}>
                        {t.title}
                      </Link>
                      <p className="text-xs text-slate-600">{formatDate(t.createdAt)}</p>
                    </div>
                    <Chip tone={typeTone[t.type]}>{c.types[t.type] ?? t.type}</Chip>
                    <Chip tone={statusTone[t.status]}>{c.state[t.status] ?? t.status}</Chip>
                  </li>
                ))}
              </ul>
            )}
            {mine.hasMore && (
              <button type="button" className={cx(btn.secondary, "mt-3")} onClick={mine.loadMore} disabled={mine.loadingMore}>
                {strings.app.showMore}
              </button>
            )}
          </Card>
          <Assign />
        </div>
      )}
    </>
  );
}

function RubricBuilder({ form, set }: { form: TaskForm; set: (f: TaskForm) => void }) {
  const total = rubricTotal(form.rubric);
  const row = (i: number, patch: Partial<TaskForm["rubric"][number]>) => set({ ...form, rubric: form.rubric.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
  return (
    <fieldset className="rounded-xl border border-slate-200 p-4">
      <legend className="px-1 font-semibold text-slate-900">{c.rubric.title}</legend>
      <p className="mb-3 text-sm text-slate-700">{c.rubric.hint}</p>
      <ol className="space-y-3" aria-label={c.rubric.title}>
        {form.rubric.map((r, i) => (
          <li key={i} className="grid gap-2 rounded-lg bg-slate-50 p-3 sm:grid-cols-[1fr_7rem_auto]">
            <div className="min-w-0">
              <label className={label} htmlFor={`crit-${i}`}>
                {c.rubric.criterion(i + 1)}
              </label>
              <input id={`crit-${i}`} className={input} value={r.criterion} maxLength={200} onChange={(e) => row(i, { criterion: e.target.value })} />
            </div>
            <div>
              <label className={label} htmlFor={`weight-${i}`}>
                {c.rubric.weight(i + 1)}
              </label>
              <input id={`weight-${i}`} className={input} inputMode="numeric" value={r.weight} onChange={(e) => row(i, { weight: e.target.value })} />
            </div>
            <div className="flex items-end">
              <button type="button" className={btn.ghost} onClick={() => set({ ...form, rubric: form.rubric.filter((_, j) => j !== i) })} aria-label={c.rubric.remove(i + 1)}>
                ✕
              </button>
            </div>
            <div className="sm:col-span-3">
              <label className={label} htmlFor={`desc-${i}`}>
                {c.rubric.describe(i + 1)}
              </label>
              <input id={`desc-${i}`} className={input} value={r.description} maxLength={2000} onChange={(e) => row(i, { description: e.target.value })} />
            </div>
          </li>
        ))}
      </ol>
      <div className="mt-3 flex flex-wrap items-center justify-between gap-3">
        <button type="button" className={btn.secondary} onClick={() => set({ ...form, rubric: [...form.rubric, { criterion: "", weight: "", description: "" }] })} disabled={form.rubric.length >= 20}>
          {c.rubric.add}
        </button>
        <p className={cx("text-sm font-semibold", total === 100 ? "text-emerald-800" : "text-amber-800")} data-testid="rubric-total" aria-live="polite">
          {c.rubric.total(total)}
        </p>
      </div>
    </fieldset>
  );
}

function TaskFormView({ task, onSaved }: { task?: Task; onSaved: (t: Task) => void }) {
  const s = useSession();
  const skills = useAsync(() => s.client.skills(), []);
  const [form, set] = useState<TaskForm>(() => (task ? formOf(task) : emptyForm()));
  const [problems, setProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const p = formProblems(form);
    setProblems(p);
    setSaved(null);
    if (p.length) return;
    setBusy(true);
    setError(null);
    try {
      const body = taskBody(form, task);
      const t = task ? await s.client.updateTask(task.id, body) : await s.client.createTask(body);
      setSaved(task ? c.saved : c.posted);
      onSaved(t);
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  }
  const field = (k: keyof TaskForm) => ({ value: form[k] as string, onChange: (e: { target: { value: string } }) => set({ ...form, [k]: e.target.value }) });
  const skill = (i: number, patch: Partial<TaskForm["skills"][number]>) => set({ ...form, skills: form.skills.map((r, j) => (j === i ? { ...r, ...patch } : r)) });

  return (
    <form onSubmit={submit} noValidate className="space-y-5" aria-label={task ? c.editTask : c.newTask}>
      <div className="grid gap-4 sm:grid-cols-2">
        <div>
          <label className={label} htmlFor="t-type">
            {c.fields.type}
          </label>
          <select id="t-type" className={input} value={form.type} onChange={(e) => set({ ...form, type: e.target.value as TaskType })}>
            {(["LESSON", "BOUNTY", "QUEST"] as const).map((x) => (
              <option key={x} value={x}>
                {c.types[x]}
              </option>
            ))}
          </select>
        </div>
        {(!task || task.status === "DRAFT") && (
          <div>
            <label className={label} htmlFor="t-status">
              {c.fields.status}
            </label>
            <select id="t-status" className={input} value={form.status} onChange={(e) => set({ ...form, status: e.target.value as "OPEN" | "DRAFT" })}>
              <option value="OPEN">{c.statuses.OPEN}</option>
              <option value="DRAFT">{c.statuses.DRAFT}</option>
            </select>
          </div>
        )}
        <div className="sm:col-span-2">
          <label className={label} htmlFor="t-title">
            {c.fields.title}
          </label>
          <input id="t-title" className={input} maxLength={200} {...field("title")} />
        </div>
        <div className="sm:col-span-2">
          <label className={label} htmlFor="t-desc">
            {c.fields.description}
          </label>
          <textarea id="t-desc" className={cx(input, "min-h-[8rem]")} maxLength={20000} {...field("description")} />
        </div>
        <div>
          <label className={label} htmlFor="t-diff">
            {c.fields.difficulty}
          </label>
          <input id="t-diff" className={input} inputMode="numeric" {...field("difficulty")} />
        </div>
        <div>
          <label className={label} htmlFor="t-xp">
            {c.fields.xpReward}
          </label>
          <input id="t-xp" className={input} inputMode="numeric" {...field("xpReward")} />
        </div>
        <div>
          <label className={label} htmlFor="t-token">
            {c.fields.tokenReward}
          </label>
          <input id="t-token" className={input} inputMode="decimal" {...field("tokenReward")} />
        </div>
        <div>
          <label className={label} htmlFor="t-deadline">
            {c.fields.deadline}
          </label>
          <input id="t-deadline" type="date" className={input} {...field("deadline")} />
        </div>
        <div>
          <label className={label} htmlFor="t-rep">
            {c.fields.minReputation}
          </label>
          <input id="t-rep" className={input} inputMode="numeric" {...field("minReputation")} />
        </div>
      </div>

      <fieldset className="rounded-xl border border-slate-200 p-4">
        <legend className="px-1 font-semibold text-slate-900">{c.fields.skills}</legend>
        <ul className="space-y-3">
          {form.skills.map((r, i) => (
            <li key={i} className="grid gap-2 sm:grid-cols-[1fr_10rem_auto]">
              <div className="min-w-0">
                <label className={label} htmlFor={`skill-${i}`}>
                  {c.fields.skill(i + 1)}
                </label>
                <select id={`skill-${i}`} className={input} value={r.skill} onChange={(e) => skill(i, { skill: e.target.value })}>
                  <option value="">—</option>
                  {skills.data?.items.map((k) => (
                    <option key={k.slug} value={k.slug}>
                      {k.name}
                    </option>
                  ))}
                </select>
              </div>
              <div>
                <label className={label} htmlFor={`lvl-${i}`}>
                  {c.fields.minLevel(i + 1)}
                </label>
                <input id={`lvl-${i}`} className={input} inputMode="numeric" value={r.minLevel} onChange={(e) => skill(i, { minLevel: e.target.value })} />
              </div>
              <div className="flex items-end">
                <button type="button" className={btn.ghost} onClick={() => set({ ...form, skills: form.skills.filter((_, j) => j !== i) })} aria-label={c.fields.removeSkill(i + 1)}>
                  ✕
                </button>
              </div>
            </li>
          ))}
        </ul>
        <button type="button" className={cx(btn.secondary, "mt-3")} onClick={() => set({ ...form, skills: [...form.skills, { skill: "", minLevel: "10" }] })} disabled={form.skills.length >= 20}>
          {c.fields.addSkill}
        </button>
      </fieldset>

      <fieldset className="rounded-xl border border-slate-200 p-4">
        <legend className="px-1 font-semibold text-slate-900">{c.fields.evidence}</legend>
        <div className="flex flex-wrap gap-4">
          {EVIDENCE_TYPES.map((x) => (
            <label key={x} className="flex items-center gap-2 text-sm text-slate-800">
              <input
                type="checkbox"
                className="h-4 w-4"
                checked={form.evidenceTypes.includes(x)}
                onChange={(e) => set({ ...form, evidenceTypes: e.target.checked ? [...form.evidenceTypes, x] : form.evidenceTypes.filter((y) => y !== x) })}
              />
              {c.evidence[x]}
            </label>
          ))}
        </div>
      </fieldset>

      <RubricBuilder form={form} set={set} />

      {problems.length > 0 && (
        <div role="alert" className="rounded-xl border border-red-200 bg-red-50 p-4 text-sm text-red-900">
          <ul className="list-disc pl-5">
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      )}
      {error && <ErrorNotice error={error} />}
      {saved && (
        <p role="status" className="text-sm font-semibold text-emerald-800">
          {saved}
        </p>
      )}
      <button type="submit" className={btn.primary} disabled={busy}>
        {busy ? c.saving : task ? c.save : c.post}
      </button>
    </form>
  );
}

function CandidateRow({ x }: { x: Candidate }) {
  return (
    <li className="py-3" data-testid="candidate">
      <div className="flex flex-wrap items-center gap-3">
        <Link to={`/wallet/${x.address}`} className="min-w-0 flex-1 truncate font-mono text-sm font-medium text-slate-900 underline-offset-2 hover:underline">
          {shortAddress(x.address)}
        </Link>
        <Chip tone="brand" title={c.candidates.parts(x.fitParts.skill, x.fitParts.reputation, x.fitParts.activity)}>
          {c.candidates.fit(x.fit)}
        </Chip>
      </div>
      <p className="mt-1 break-words text-sm text-slate-700">
        <span className="font-semibold">{c.candidates.why}: </span>
        {x.reasons}
      </p>
    </li>
  );
}

function Candidates({ task }: { task: Task }) {
  const s = useSession();
  const list = usePaged((cursor) => s.client.candidates(task.id, cursor), [task.id, task.updatedAt]);
  return (
    <Card aria-labelledby="cand-title">
      <h2 id="cand-title" className="text-lg font-semibold text-slate-900">
        {c.candidates.title}
      </h2>
      <p className="mt-1 text-sm text-slate-700">{c.candidates.sub}</p>
      {list.loading && <Spinner />}
      {list.error && <div className="mt-3"><ErrorNotice error={list.error} onRetry={list.reload} /></div>}
      {!list.loading && !list.error && list.items.length === 0 && (
        <div className="mt-3">
          <Empty title={c.candidates.empty}>{c.candidates.emptyText}</Empty>
        </div>
      )}
      {list.items.length > 0 && (
        <ol className="mt-2 divide-y divide-slate-100" aria-label={c.candidates.list}>
          {list.items.map((x) => (
            <CandidateRow key={x.userId} x={x} />
          ))}
        </ol>
      )}
      {list.hasMore && (
        <button type="button" className={cx(btn.secondary, "mt-3")} onClick={list.loadMore} disabled={list.loadingMore}>
          {strings.app.showMore}
        </button>
      )}
    </Card>
  );
}

export function TaskEditorPage({ id }: { id: string | null }) {
  const s = useSession();
  const loaded = useAsync(() => (id ? s.client.task(id) : Promise.resolve(undefined)), [id]);
  const task = loaded.data;
  const posted = useLocation().query.get("posted") === "1";
  useDocumentTitle(id ? c.editTask : c.newTask);
  const closing = useAction();
  async function close() {
    if (!task) return;
    const t = await closing.run(() => s.client.closeTask(task.id));
    if (t) loaded.setData(t);
  }
  return (
    <>
      <BackLink to="/create">{c.title}</BackLink>
      <PageTitle
        sub={task ? task.title : c.sub}
        actions={
          task ? (
            <Link to={`/tasks/${task.id}`} className={btn.secondary}>
              {c.view}
            </Link>
          ) : undefined
        }
      >
        {id ? c.editTask : c.newTask}
      </PageTitle>
      {!s.me && s.status !== "checking" ? (
        <SignInFirst />
      ) : id && loaded.loading ? (
        <Spinner />
      ) : loaded.error ? (
        <ErrorNotice error={loaded.error} onRetry={loaded.reload} />
      ) : (
        <div className="grid gap-6 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
          <Card>
            <RoleNote />
            {posted && task && (
              <p role="status" className="mb-4 rounded-lg bg-emerald-50 p-3 text-sm font-semibold text-emerald-800">
                {c.posted}
              </p>
            )}
            {task?.status === "CLOSED" ? (
              <p className="text-sm text-slate-700">{c.closed}</p>
            ) : (
              <TaskFormView
                key={task?.id ?? "new"}
                task={task}
                onSaved={(t) => {
                  if (!task) navigate(`/create/${t.id}?posted=1`);
                  else loaded.setData(t);
                }}
              />
            )}
          </Card>
          {task && (
            <div className="space-y-6">
              <Candidates task={task} />
              {task.status !== "CLOSED" && (
                <Card>
                  <button type="button" className={btn.danger} onClick={close} disabled={closing.busy}>
                    {c.close}
                  </button>
                  {closing.error && <div className="mt-3"><ErrorNotice error={closing.error} /></div>}
                </Card>
              )}
            </div>
          )}
        </div>
      )}
    </>
  );
}
