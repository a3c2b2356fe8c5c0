import { useState, type FormEvent } from "react";
import type { ApiError, SubmissionView, TimelineEvent } from "../api";
import { SUBMISSION_STATES, formatDate, shortAddress, stateLabel } from "../format";
import { toApiError, useAsync, useDocumentTitle } from "../hooks";
import { Link } from "../router";
import { useSession } from "../session";
import { ReviewForm } from "../components/ReviewForm";
import { Card, Chip, Empty, ErrorNotice, PageTitle, Spinner, btn, cx, input, label } from "../components/ui";
import { strings } from "../strings";

const k = strings.submission;

function eventText(e: TimelineEvent): string {
  /* what a timeline event means (the server's events: src/work/states.c) */
  return k.events[e.event] ?? stateLabel(e.to);
}

function Timeline({ v }: { v: SubmissionView }) {
  if (v.timeline.length === 0) return <p className="mt-2 text-sm text-slate-600">{k.nothingYet}</p>;
  return (
    <ol className="mt-3 space-y-3 border-l-2 border-slate-200 pl-4" aria-label={k.timeline}>
      {v.timeline.map((e, i) => (
        <li key={i} className="relative">
          <span className="absolute -left-[1.4rem] top-1.5 h-2.5 w-2.5 rounded-full bg-brand-600" aria-hidden="true" />
          <p className="font-medium text-slate-900">{eventText(e)}</p>
          <p className="text-xs text-slate-600">
            {k.nowState(formatDate(e.at), stateLabel(e.to))}
          </p>
        </li>
      ))}
    </ol>
  );
}

function DisputeForm({ v, onDone }: { v: SubmissionView; onDone: (n: SubmissionView) => void }) {
  const { client } = useSession();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  if (!open)
    return (
      <button type="button" className={btn.secondary} onClick={() => setOpen(true)}>
        {k.disputeThis}
      </button>
    );
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onDone(await client.dispute(v.id, reason.trim()));
      setOpen(false);
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} className="space-y-3">
      <div>
        <label htmlFor="dispute-reason" className={label}>
          {k.whyWrong}
        </label>
        <textarea id="dispute-reason" required rows={4} maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} className={cx(input, "mt-1")} />
        <p className="mt-1 text-xs text-slate-600">{k.freshPanel}</p>
      </div>
      {error && <ErrorNotice error={error} title={k.disputeRefused} />}
      <div className="flex gap-2">
        <button type="submit" className={btn.primary} disabled={busy || !reason.trim()}>
          {busy ? k.sending : k.openDispute}
        </button>
        <button type="button" className={btn.ghost} onClick={() => setOpen(false)}>
          {k.cancel}
        </button>
      </div>
    </form>
  );
}

const DECIDED = new Set(["APPROVED", "REJECTED", "CHANGES_REQUESTED"]);

export function SubmissionPage({ id }: { id: string }) {
  const s = useSession();
  const sub = useAsync(() => (s.status === "signed-in" ? s.client.submissionView(id) : Promise.resolve(undefined)), [id, s.status]);
  useDocumentTitle(k.titleOf(id));

  if (s.status === "anonymous")
    return (
      <>
        <PageTitle>{k.title}</PageTitle>
        <Empty title={k.signInToSee}>
          {k.whoSees}
          <div className="mt-3">
            <button type="button" className={btn.primary} onClick={s.openSignIn}>
              {strings.app.signIn}
            </button>
          </div>
        </Empty>
      </>
    );
  if (s.status === "checking" || (sub.loading && !sub.data)) return <Spinner label={k.loading} />;
  if (sub.error || !sub.data)
    return (
      <>
        <PageTitle>{k.title}</PageTitle>
        {sub.error && <ErrorNotice error={sub.error} title={k.didNotLoad} onRetry={sub.reload} />}
      </>
    );
  const v = sub.data;
  const st = SUBMISSION_STATES[v.state];
  const mine = s.me?.address.toLowerCase() === v.author.toLowerCase();
  const me = s.me?.address.toLowerCase() ?? "";
  const seat = v.panel.find((p) => p.round === v.round && p.validator.toLowerCase() === me)?.validator;
  const reviewed = v.reviews.some((r) => r.round === v.round && r.validator.toLowerCase() === me);
  const canReview = !!seat && !reviewed && (v.state === "PEER_REVIEW" || v.state === "DISPUTED");
  const canDispute = mine && DECIDED.has(v.state) && v.disputes.every((d) => d.outcome !== null);

  return (
    <>
      <nav aria-label={k.breadcrumb} className="mb-3 text-sm">
        <Link to={`/tasks/${v.taskId}`} className="font-medium text-brand-700 hover:underline">
          {k.taskOf(v.taskId)}
        </Link>
        <span className="mx-2 text-slate-400" aria-hidden="true">/</span>
        <span className="text-slate-600">{k.title}</span>
      </nav>
      <PageTitle
        sub={
          <span className="flex flex-wrap items-center gap-2">
            <Chip tone={st?.tone ?? "slate"}>{stateLabel(v.state)}</Chip>
            <span>
              {k.by}{" "}
              <Link to={`/wallet/${v.author}`} className="font-mono text-brand-700 hover:underline">
                {mine ? k.you : shortAddress(v.author)}
              </Link>{" "}
              {k.on(formatDate(v.createdAt))}
            </span>
          </span>
        }
      >
        {mine ? k.yours : k.titleOf(v.id)}{v.finalScore !== null ? ` · ${v.finalScore}/100` : ""}
      </PageTitle>

      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <div className="min-w-0 space-y-6 lg:col-span-2">
          <Card aria-labelledby="h-work">
            <h2 id="h-work" className="text-lg font-semibold">
              {k.theWork}
            </h2>
            <p className="mt-2 whitespace-pre-wrap break-words text-slate-700">{v.text}</p>
            {v.evidence.length > 0 && (
              <ul className="mt-3 space-y-1 text-sm">
                {v.evidence.map((e, i) => (
                  <li key={i} className="break-all">
                    <span className="text-slate-600">{k.evidenceOf(strings.format.evidence[e.type] ?? e.type)}</span>
                    <a href={e.url} className="text-brand-700 underline" rel="noreferrer noopener" target="_blank">
                      {e.url}
                    </a>
                  </li>
                ))}
              </ul>
            )}
          </Card>

          <Card aria-labelledby="h-ai">
            <h2 id="h-ai" className="text-lg font-semibold">
              {k.aiFeedback}
            </h2>
            {v.assessments.length === 0 ? (
              <p className="mt-2 text-sm text-slate-600">{k.noAi}</p>
            ) : (
              <ul className="mt-2 space-y-4">
                {v.assessments.map((a, i) => (
                  <li key={i}>
                    <p className="text-sm font-semibold">
                      {a.ok ? (a.overall !== null ? k.score(a.overall) : k.assessed) : k.notAssessed}
                      <span className="font-normal text-slate-600"> · {formatDate(a.at)}</span>
                    </p>
                    {a.feedback && <p className="mt-1 whitespace-pre-wrap text-sm text-slate-700">{a.feedback}</p>}
                    {Array.isArray(a.scores) && a.scores.length > 0 && (
                      <ul className="mt-2 space-y-1 text-sm">
                        {a.scores.map((c, j) => (
                          <li key={j} className="flex justify-between gap-3">
                            <span className="text-slate-700">{c.criterion ?? k.criterionN(j + 1)}</span>
                            <span className="font-semibold tabular-nums">{c.score ?? "—"}</span>
                          </li>
                        ))}
                      </ul>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </Card>

          <Card aria-labelledby="h-reviews">
            <h2 id="h-reviews" className="text-lg font-semibold">
              {k.reviews}
            </h2>
            {v.reviews.length === 0 ? (
              <p className="mt-2 text-sm text-slate-600">
                {v.panel.length ? k.panelAsked(v.panel.length) : k.noReview}
              </p>
            ) : (
              <ul className="mt-2 divide-y divide-slate-100">
                {v.reviews.map((r) => (
                  <li key={r.id} className="py-3">
                    <p className="text-sm font-semibold">
                      {r.score}/100{" "}
                      <span className="font-normal text-slate-600">
                        {k.by}{" "}
                        <Link to={`/wallet/${r.validator}`} className="font-mono text-brand-700 hover:underline">
                          {shortAddress(r.validator)}
                        </Link>{" "}
                        {k.signedWhen(formatDate(r.at))}
                      </span>
                    </p>
                    {r.feedback && <p className="mt-1 whitespace-pre-wrap text-sm text-slate-700">{r.feedback}</p>}
                  </li>
                ))}
              </ul>
            )}
          </Card>

          {canReview && seat && (
            <Card aria-labelledby="h-your-review">
              <h2 id="h-your-review" className="text-lg font-semibold">
                {k.yourReview}
              </h2>
              <p className="mb-3 mt-1 text-sm text-slate-600">{k.onPanel}</p>
              <ReviewForm submissionId={v.id} taskId={v.taskId} round={v.round} seat={seat} onDone={(n) => n && sub.setData(n)} />
            </Card>
          )}

          {(v.disputes.length > 0 || canDispute) && (
            <Card aria-labelledby="h-dispute">
              <h2 id="h-dispute" className="text-lg font-semibold">
                {k.dispute}
              </h2>
              {v.disputes.map((d) => (
                <div key={d.id} className="mt-2 text-sm">
                  <p className="font-medium">
                    {k.opened(formatDate(d.openedAt), stateLabel(d.disputed))}
                    {d.outcome ? k.settled(stateLabel(d.outcome), d.finalScore) : k.reviewing}
                  </p>
                  <p className="mt-1 whitespace-pre-wrap text-slate-700">{d.reason}</p>
                </div>
              ))}
              {canDispute && (
                <div className="mt-3">
                  <DisputeForm v={v} onDone={sub.setData} />
                </div>
              )}
            </Card>
          )}
        </div>
        <aside className="min-w-0 space-y-6" aria-label={k.whatHappened}>
          <Card aria-labelledby="h-timeline">
            <h2 id="h-timeline" className="text-lg font-semibold">
              {k.timeline}
            </h2>
            <Timeline v={v} />
          </Card>
        </aside>
      </div>
    </>
  );
}
