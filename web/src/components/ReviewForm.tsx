import { useState } from "react";
import type { ApiError, SubmissionView } from "../api";
import { toApiError, useAsync } from "../hooks";
import { signReview } from "../review";
import { useSession, useWallets } from "../session";
import type { DiscoveredWallet } from "../wallets";
import { ErrorNotice, Spinner, btn, cx, input, label } from "./ui";
import { strings } from "../strings";

const F = strings.reviewForm;

/** A panel validator's review against the task's rubric, signed in their wallet (EIP-712). */
export function ReviewForm({ submissionId, taskId, round, seat, onDone }: { submissionId: number; taskId: number; round: number; seat: string; onDone: (n: SubmissionView | undefined) => void }) {
  const s = useSession();
  const wallets = useWallets();
  const task = useAsync(() => s.client.task(taskId), [taskId]);
  const queue = useAsync(() => s.client.validatorQueue(), []);
  const [scores, setScores] = useState<Record<number, string>>({});
  const [feedback, setFeedback] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  if (task.loading || queue.loading) return <Spinner label={F.loading} />;
  if (task.error || queue.error || !task.data || !queue.data)
    return <ErrorNotice error={(task.error ?? queue.error)!} title={F.failed} onRetry={() => { task.reload(); queue.reload(); }} />;
  const rubric = task.data.validation.rubric?.length ? task.data.validation.rubric : [{ criterion: F.overallCriterion, weight: 100 }];
  const parsed = rubric.map((_, i) => Number(scores[i + 1]));
  const complete = parsed.every((x) => Number.isInteger(x) && x >= 0 && x <= 100);
  const totalWeight = rubric.reduce((a, c) => a + c.weight, 0) || 1;
  const overall = complete ? Math.round(rubric.reduce((a, c, i) => a + c.weight * parsed[i], 0) / totalWeight) : null;
  const signers: DiscoveredWallet[] = s.wallet ? [s.wallet] : wallets;
  const domain = queue.data.domain;

  async function sign(w: DiscoveredWallet) {
    if (overall === null) return;
    setBusy(true);
    setError(null);
    try {
      const body = await signReview(w.provider, domain, {
        submissionId,
        round,
        validator: seat,
        score: overall,
        criteria: rubric.map((_, i) => ({ id: i + 1, score: parsed[i] })),
        feedback: feedback.trim(),
      });
      onDone(await s.client.postReview(submissionId, body));
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="space-y-3" onSubmit={(e) => e.preventDefault()}>
      <fieldset>
        <legend className={label}>{F.scoreEach}</legend>
        <ul className="mt-2 space-y-2">
          {rubric.map((c, i) => (
            <li key={i} className="flex flex-wrap items-center justify-between gap-2">
              <label htmlFor={`crit-${submissionId}-${i + 1}`} className="min-w-0 flex-1 text-sm text-slate-800">
                {c.criterion} <span className="text-slate-500">({c.weight}%)</span>
              </label>
              <input
                id={`crit-${submissionId}-${i + 1}`}
                type="number"
                inputMode="numeric"
                min={0}
                max={100}
                required
                value={scores[i + 1] ?? ""}
                onChange={(e) => setScores((x) => ({ ...x, [i + 1]: e.target.value }))}
                className={cx(input, "w-24")}
              />
            </li>
          ))}
        </ul>
      </fieldset>
      <p className="text-sm text-slate-700">
        {F.overall}<span className="font-semibold" data-testid="review-overall">{overall ?? "—"}</span>
        {overall !== null && F.overallNote}
      </p>
      <div>
        <label htmlFor={`review-feedback-${submissionId}`} className={label}>
          {F.feedback}
        </label>
        <textarea id={`review-feedback-${submissionId}`} rows={4} maxLength={4000} value={feedback} onChange={(e) => setFeedback(e.target.value)} className={cx(input, "mt-1")} />
      </div>
      {error && <ErrorNotice error={error} title={F.notRecorded} />}
      {signers.length === 0 ? (
        <p className="text-sm text-slate-600">{F.noWallet}</p>
      ) : (
        <div className="flex flex-wrap gap-2">
          {signers.map((w) => (
            <button key={w.info.uuid} type="button" className={btn.primary} disabled={busy || overall === null} onClick={() => sign(w)}>
              {busy ? F.waiting : signers.length > 1 ? F.signWith(w.info.name) : F.sign}
            </button>
          ))}
        </div>
      )}
      <p className="text-xs text-slate-500">{F.hint}</p>
    </form>
  );
}

