import { useState, type FormEvent, type ReactNode } from "react";
import type { ApiError, Evidence, EvidenceType, Submission, Task } from "../api";
import { SUBMISSION_STATES, difficultyLabel, formatDate, formatNumber, formatWei, shortAddress, stateLabel, taskWord, TOKEN_SYMBOL } from "../format";
import { strings } from "../strings";
import { toApiError, useAsync, useDocumentTitle } from "../hooks";
import { Link } from "../router";
import { useSession } from "../session";
import { Card, Chip, ErrorNotice, Meter, PageTitle, Spinner, btn, cx, input, label, statusTone, typeTone } from "../components/ui";

const k = strings.task;
const EVIDENCE_TYPES: EvidenceType[] = ["link", "repository", "image", "video", "document"];

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="flex items-baseline justify-between gap-4 py-2">
      <dt className="text-sm text-slate-600">{term}</dt>
      <dd className="text-right text-sm font-semibold text-slate-900">{children}</dd>
    </div>
  );
}

function yes(v: boolean | undefined) {
  return v === false ? k.off : k.on;
}

/** The caller's own submissions to a task (newest first), read from GET /me/submissions. */
async function mySubmissionsTo(client: ReturnType<typeof useSession>["client"], taskId: number): Promise<Submission[]> {
  const out: Submission[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10; page++) {
    const p = await client.mySubmissions(cursor);
    out.push(...p.items.filter((x) => x.taskId === taskId));
    if (!p.nextCursor) break;
    cursor = p.nextCursor;
  }
  return out;
}

function YourSubmission({ sub }: { sub: Submission }) {
  const st = SUBMISSION_STATES[sub.state];
  return (
    <div className="rounded-xl border border-slate-200 bg-slate-50 p-4 text-sm" data-testid="your-submission">
      <p className="flex flex-wrap items-center gap-2 font-semibold text-slate-900">
        {k.submittedOn(formatDate(sub.createdAt))}
        <Chip tone={st?.tone ?? "slate"}>{stateLabel(sub.state)}</Chip>
      </p>
      {sub.finalScore !== null && <p className="mt-1 text-slate-700">{k.finalScore(sub.finalScore)}</p>}
      <p className="mt-1 line-clamp-3 whitespace-pre-wrap text-slate-700">{sub.text}</p>
      <Link className="mt-2 inline-block font-semibold text-brand-700 underline" to={`/submissions/${sub.id}`}>
        {k.follow}
      </Link>
    </div>
  );
}

/** The task's skill requirements against the person's skill levels (their Skill Wallet). */
export function skillGaps(task: Task, levels: Map<string, number>): { skill: string; need: number; have: number }[] {
  return task.skills.map((k) => ({ skill: k.skill, need: k.minLevel, have: levels.get(k.skill) ?? 0 })).filter((g) => g.have < g.need);
}

function SubmitForm({ task, gaps, names }: { task: Task; gaps: ReturnType<typeof skillGaps> | null; names: Map<string, string> }) {
  const s = useSession();
  const mine = useAsync(
    () => (s.status === "signed-in" ? mySubmissionsTo(s.client, task.id) : Promise.resolve([] as Submission[])),
    [s.status, s.me?.address, task.id],
  );
  const [text, setText] = useState("");
  const [evidence, setEvidence] = useState<Evidence[]>([{ type: "link", url: "" }]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<Submission | null>(null);
  const [upload, setUpload] = useState<{ name: string; pct: number; done: boolean } | null>(null);
  const [uploadError, setUploadError] = useState<ApiError | null>(null);

  if (task.status !== "OPEN")
    return <p className="text-sm text-slate-600">{k.notOpen(taskWord(task.status))}</p>;
  if (s.status === "anonymous")
    return (
      <div className="space-y-3">
        <p className="text-sm text-slate-600">{k.signInToSubmit}</p>
        <button type="button" className={btn.primary} onClick={s.openSignIn}>
          {strings.app.signIn}
        </button>
      </div>
    );
  if (s.me && s.me.address.toLowerCase() === task.creator.toLowerCase())
    return <p className="text-sm text-slate-600">{k.ownTask}</p>;
  if (done)
    return (
      <div role="status" className="rounded-xl border border-emerald-200 bg-emerald-50 p-4 text-sm text-emerald-900">
        <p className="font-semibold">{k.received}</p>
        <p className="mt-1">
          {k.receivedNext}
        </p>
        <Link className="mt-2 inline-block font-semibold underline" to={`/submissions/${done.id}`}>
          {k.follow}
        </Link>
      </div>
    );
  if (s.status !== "signed-in" || mine.loading) return <Spinner label={k.checkingYours} />;
  const latest = mine.data?.[0];
  if (latest && latest.state !== "CHANGES_REQUESTED") return <YourSubmission sub={latest} />;
  if (gaps && gaps.length > 0)
    return (
      <div className="rounded-xl border border-amber-200 bg-amber-50 p-4 text-sm text-amber-900" data-testid="not-qualified">
        <p className="font-semibold">{k.notQualified}</p>
        <ul className="mt-1 list-disc pl-5">
          {gaps.map((g) => (
            <li key={g.skill}>
              {k.gap(names.get(g.skill) ?? g.skill, g.need, g.have)}{" "}
              <Link to={`/tasks?skill=${encodeURIComponent(g.skill)}`} className="font-semibold underline">
                {k.buildIt}
              </Link>
            </li>
          ))}
        </ul>
      </div>
    );

  async function uploadFile(file: File) {
    setUploadError(null);
    setUpload({ name: file.name, pct: 0, done: false });
    try {
      const c = await s.client.upload(file, (sent, total) => setUpload({ name: file.name, pct: total ? Math.round((sent / total) * 100) : 0, done: false }));
      const kind: EvidenceType = c.mediaType.startsWith("image/") ? "image" : c.mediaType.startsWith("video/") ? "video" : "document";
      // a link to the stored file is evidence of the kinds the task accepts, when its own kind is not
      const ok = (task.validation.evidenceTypes ?? []) as EvidenceType[];
      const type: EvidenceType = !ok.length || ok.includes(kind) ? kind : ok.includes("link") ? "link" : ok[0];
      const url = new URL(`/ipfs/${c.cid}`, window.location.origin).toString();
      setEvidence((rows) => [...rows.filter((r) => r.url.trim()), { type, url }]);
      setUpload({ name: file.name, pct: 100, done: true });
    } catch (err) {
      setUpload(null);
      setUploadError(toApiError(err));
    }
  }

  function setRow(i: number, patch: Partial<Evidence>) {
    setEvidence((rows) => rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const rows = evidence.filter((r) => r.url.trim()).map((r) => ({ type: r.type, url: r.url.trim() }));
      setDone(await s.client.submit(task.id, { text, evidence: rows }));
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  }

  const accepted = task.validation.evidenceTypes ?? [];
  return (
    <form onSubmit={submit} className="space-y-4">
      {latest && (
        <>
          <YourSubmission sub={latest} />
          <p className="text-sm text-slate-700">{k.changesAsked}</p>
        </>
      )}
      <div>
        <label htmlFor="sub-text" className={label}>
          {k.whatYouDid}
        </label>
        <textarea
          id="sub-text"
          required
          rows={6}
          maxLength={50000}
          value={text}
          onChange={(e) => setText(e.target.value)}
          className={cx(input, "mt-1")}
          placeholder={k.whatYouDidHint}
        />
      </div>
      <fieldset>
        <legend className={label}>{k.evidenceLinks}</legend>
        {accepted.length > 0 && <p className="text-xs text-slate-600">{k.accepts(accepted.map((e) => strings.format.evidence[e] ?? e).join(", "))}</p>}
        <ul className="mt-2 space-y-2">
          {evidence.map((row, i) => (
            <li key={i} className="flex flex-wrap gap-2 sm:flex-nowrap">
              <label htmlFor={`ev-type-${i}`} className="sr-only">
                {k.evidenceType(i + 1)}
              </label>
              <select id={`ev-type-${i}`} className={cx(input, "sm:w-36")} value={row.type} onChange={(e) => setRow(i, { type: e.target.value as EvidenceType })}>
                {EVIDENCE_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {strings.format.evidence[t] ?? t}
                  </option>
                ))}
              </select>
              <label htmlFor={`ev-url-${i}`} className="sr-only">
                {k.evidenceUrl(i + 1)}
              </label>
              <input
                id={`ev-url-${i}`}
                type="url"
                inputMode="url"
                placeholder={k.urlPlaceholder}
                pattern="https?://.+"
                title={k.urlHint}
                value={row.url}
                onChange={(e) => setRow(i, { url: e.target.value })}
                className={cx(input, "min-w-0 flex-1")}
              />
              <button
                type="button"
                className={btn.ghost}
                onClick={() => setEvidence((rows) => rows.filter((_, j) => j !== i))}
                aria-label={k.removeEvidence(i + 1)}
                disabled={evidence.length === 1 && !row.url}
              >
                {k.remove}
              </button>
            </li>
          ))}
        </ul>
        {evidence.length < 20 && (
          <button type="button" className={cx(btn.ghost, "mt-2 text-brand-700")} onClick={() => setEvidence((rows) => [...rows, { type: "link", url: "" }])}>
            {k.addEvidence}
          </button>
        )}
        {evidence.length < 20 && (
          <div className="mt-3">
            <label htmlFor="ev-file" className={label}>
              {k.uploadFile}
            </label>
            <input id="ev-file" type="file" className="mt-1 block w-full text-sm text-slate-700" disabled={!!upload && !upload.done} onChange={(e) => { const f = e.target.files?.[0]; e.target.value = ""; if (f) void uploadFile(f); }} aria-describedby="ev-file-hint" />
            <p id="ev-file-hint" className="mt-1 text-xs text-slate-600">
              {k.uploadHint}
            </p>
            {upload && !upload.done && (
              <div className="mt-2 text-sm text-slate-700">
                <p>{k.uploading(upload.name)}</p>
                <Meter value={upload.pct} label={k.uploadProgress(upload.name)} />
              </div>
            )}
            {upload?.done && (
              <p role="status" className="mt-2 text-sm font-semibold text-emerald-800">
                {k.uploaded(upload.name)}
              </p>
            )}
            {uploadError && <div className="mt-2"><ErrorNotice error={uploadError} title={k.notUploaded} /></div>}
          </div>
        )}
      </fieldset>
      {error && <ErrorNotice error={error} title={k.notAccepted} />}
      <button type="submit" className={btn.primary} disabled={busy || !text.trim() || s.status !== "signed-in" || (!!upload && !upload.done)}>
        {busy ? k.submitting : k.submitWork}
      </button>
    </form>
  );
}

export function TaskPage({ id }: { id: string }) {
  const { client } = useSession();
  const task = useAsync(() => client.task(id), [id]);
  const skills = useAsync(() => client.skills(), []);
  useDocumentTitle(task.data?.title ?? k.title);
  const names = new Map((skills.data?.items ?? []).map((s) => [s.slug, s.name]));
  // Whether the signed-in person meets the skill levels the task asks for (the server checks it
  // again when they submit).
  const { me } = useSession();
  const wallet = useAsync(() => (me ? client.wallet(me.address) : Promise.resolve(undefined)), [me?.address]);
  const levels = new Map((wallet.data?.skills ?? []).map((k) => [k.slug, k.level]));
  const gaps = me && wallet.data && task.data ? skillGaps(task.data, levels) : null;

  if (task.loading && !task.data) return <Spinner label={k.loading} />;
  if (task.error || !task.data)
    return (
      <>
        <PageTitle>{k.titleOf(id)}</PageTitle>
        {task.error && <ErrorNotice error={task.error} title={k.didNotLoad} onRetry={task.reload} />}
        <p className="mt-6">
          <Link to="/tasks" className="font-semibold text-brand-700 underline">
            {k.allTasks}
          </Link>
        </p>
      </>
    );
  const t = task.data;
  const rubric = t.validation.rubric ?? [];
  const reward = t.tokenReward === "0" ? null : formatWei(t.tokenReward);

  return (
    <>
      <nav aria-label={k.breadcrumb} className="mb-3 text-sm">
        <Link to="/tasks" className="font-medium text-brand-700 hover:underline">
          {k.tasks}
        </Link>
        <span className="mx-2 text-slate-400" aria-hidden="true">/</span>
        <span className="text-slate-600">#{t.id}</span>
      </nav>
      <div className="mb-3 flex flex-wrap gap-2">
        <Chip tone={typeTone[t.type]}>{taskWord(t.type)}</Chip>
        <Chip tone={statusTone[t.status]}>{taskWord(t.status)}</Chip>
      </div>
      <PageTitle>{t.title}</PageTitle>

      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <div className="space-y-6 lg:col-span-2">
          <Card aria-labelledby="h-desc">
            <h2 id="h-desc" className="text-lg font-semibold">
              {k.description}
            </h2>
            <p className="mt-2 whitespace-pre-wrap text-slate-700">{t.description}</p>
          </Card>

          <Card aria-labelledby="h-req">
            <h2 id="h-req" className="text-lg font-semibold">
              {k.requirements}
            </h2>
            {t.skills.length > 0 ? (
              <ul className="mt-3 divide-y divide-slate-100">
                {t.skills.map((s) => (
                  <li key={s.skill} className="flex items-center justify-between gap-4 py-2">
                    <Link to={`/tasks?skill=${encodeURIComponent(s.skill)}`} className="font-medium text-slate-900 hover:text-brand-700 hover:underline">
                      {names.get(s.skill) ?? s.skill}
                    </Link>
                    <span className="text-right text-sm text-slate-600">
                      {k.skillAtLeast(s.minLevel)}
                      {gaps && (
                        <span className={cx("block text-xs font-semibold", (levels.get(s.skill) ?? 0) >= s.minLevel ? "text-emerald-700" : "text-amber-800")}>
                          {(levels.get(s.skill) ?? 0) >= s.minLevel ? "✓ " : ""}{k.youHave(levels.get(s.skill) ?? 0)}
                        </span>
                      )}
                    </span>
                  </li>
                ))}
              </ul>
            ) : (
              <p className="mt-2 text-sm text-slate-600">{k.noSkill}</p>
            )}
            <dl className="mt-2 grid grid-cols-2 gap-4 border-t border-slate-100 pt-3">
              <div>
                <dt className="text-sm text-slate-600">{k.minLevel}</dt>
                <dd className="font-semibold">{t.requirements.minLevel ?? 0}</dd>
              </div>
              <div>
                <dt className="text-sm text-slate-600">{k.minReputation}</dt>
                <dd className="font-semibold">{t.requirements.minReputation ?? 0} / 100</dd>
              </div>
            </dl>
          </Card>

          <Card aria-labelledby="h-rubric">
            <h2 id="h-rubric" className="text-lg font-semibold">
              {k.judged}
            </h2>
            {rubric.length > 0 && (
              <table className="mt-3 w-full text-left text-sm">
                <caption className="sr-only">{k.rubricCaption}</caption>
                <thead>
                  <tr className="text-slate-600">
                    <th scope="col" className="pb-2 font-medium">{k.criterion}</th>
                    <th scope="col" className="w-1/3 pb-2 text-right font-medium">{k.weight}</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {rubric.map((c, i) => (
                    <tr key={i}>
                      <td className="py-2 pr-4 align-top">
                        <span className="font-medium text-slate-900">{c.criterion}</span>
                        {c.description && <p className="text-slate-600">{c.description}</p>}
                      </td>
                      <td className="py-2 align-top">
                        <div className="flex items-center gap-2">
                          <Meter value={c.weight} label={k.weightOf(c.criterion, c.weight)} />
                          <span className="w-10 text-right font-semibold tabular-nums">{c.weight}%</span>
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <dl className="mt-3 grid grid-cols-2 gap-x-6 border-t border-slate-100 pt-2 sm:grid-cols-3">
              <Fact term={k.passMark}>{t.validation.minScore ?? 70}/100</Fact>
              <Fact term={k.aiReview}>{yes(t.validation.aiReview)}</Fact>
              <Fact term={k.peerReview}>{yes(t.validation.peerReview)}</Fact>
              <Fact term={k.validators}>{t.validation.minValidators ?? 3}</Fact>
              <Fact term={k.consensus}>{t.validation.consensusThreshold ?? 66}%</Fact>
              <Fact term={k.evidence}>{(t.validation.evidenceTypes ?? ["link"]).map((e) => strings.format.evidence[e] ?? e).join(", ")}</Fact>
            </dl>
          </Card>

          <Card aria-labelledby="h-submit">
            <h2 id="h-submit" className="mb-3 text-lg font-semibold">
              {k.submitYours}
            </h2>
            <SubmitForm task={t} gaps={gaps} names={names} />
          </Card>
        </div>

        <aside className="space-y-6" aria-label={k.rewardAndDetails}>
          <Card className="bg-gradient-to-br from-brand-600 to-violet-700 text-white" aria-labelledby="h-reward">
            <h2 id="h-reward" className="text-sm font-semibold uppercase tracking-wide text-brand-100">
              {k.reward}
            </h2>
            <p className="mt-2 text-3xl font-bold tabular-nums">{k.xp(formatNumber(t.xpReward))}</p>
            <p className="mt-1 text-lg font-semibold tabular-nums" title={k.inWei(t.tokenReward)}>
              {reward ? `${reward} ${TOKEN_SYMBOL}` : k.noToken}
            </p>
            <p className="mt-3 text-xs text-brand-100">{k.xpNote}</p>
          </Card>
          <Card aria-labelledby="h-details">
            <h2 id="h-details" className="sr-only">
              {k.details}
            </h2>
            <dl className="divide-y divide-slate-100">
              <Fact term={k.difficulty}>
                {t.difficulty}/10 · {difficultyLabel(t.difficulty)}
              </Fact>
              <Fact term={k.deadline}>{t.deadline ? formatDate(t.deadline) : k.none}</Fact>
              <Fact term={k.posted}>{formatDate(t.createdAt)}</Fact>
              <Fact term={k.creator}>
                <Link to={`/wallet/${t.creator}`} className="font-mono text-brand-700 hover:underline" title={t.creator}>
                  {shortAddress(t.creator)}
                </Link>
              </Fact>
            </dl>
          </Card>
        </aside>
      </div>
    </>
  );
}
