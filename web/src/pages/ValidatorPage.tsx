import { formatDate, formatWei, shortAddress, stateLabel, TOKEN_SYMBOL } from "../format";
import { useAsync, useDocumentTitle } from "../hooks";
import { ReviewForm } from "../components/ReviewForm";
import { useSession } from "../session";
import { Card, Empty, ErrorNotice, PageTitle, Spinner, btn } from "../components/ui";

/** A validator's queue: the submissions whose panel they sit on and have not reviewed yet. */
export function ValidatorPage() {
  useDocumentTitle("Review queue");
  const s = useSession();
  const q = useAsync(() => (s.status === "signed-in" ? s.client.validatorQueue() : Promise.resolve(undefined)), [s.status, s.me?.address]);

  if (s.status === "anonymous")
    return (
      <>
        <PageTitle>Review queue</PageTitle>
        <Empty title="Sign in to see your review queue">
          Validators review submissions against each task's rubric and sign their reviews in their wallet.
          <div className="mt-3">
            <button type="button" className={btn.primary} onClick={s.openSignIn}>
              Sign in
            </button>
          </div>
        </Empty>
      </>
    );
  if (s.status === "checking" || (q.loading && !q.data)) return <Spinner label="Loading your review queue…" />;
  if (q.error?.status === 404)
    return (
      <>
        <PageTitle>Review queue</PageTitle>
        <Empty title="You are not a validator yet">Validators stake {TOKEN_SYMBOL} and are registered by PHEME; then submissions to review appear here.</Empty>
      </>
    );
  if (q.error || !q.data)
    return (
      <>
        <PageTitle>Review queue</PageTitle>
        {q.error && <ErrorNotice error={q.error} title="Your review queue did not load" onRetry={q.reload} />}
      </>
    );
  const { validator: v, items } = q.data;
  return (
    <>
      <PageTitle sub={`Submissions waiting for your review (${items.length}).`}>Review queue</PageTitle>
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <div className="min-w-0 lg:col-span-2">
          {items.length === 0 ? (
            <Empty title="Nothing to review right now">New submissions appear here when you are picked for their panel.</Empty>
          ) : (
            <ul className="space-y-3" aria-label="Submissions to review">
              {items.map((x) => (
                <li key={`${x.id}-${x.round}`}>
                  <Card as="div">
                    <p className="text-sm text-slate-600">
                      Task #{x.taskId} · {stateLabel(x.state)} · round {x.round} · {formatDate(x.createdAt)}
                    </p>
                    <h2 className="mt-1 text-base font-semibold">Submission #{x.id}</h2>
                    <p className="mt-1 whitespace-pre-wrap break-words text-slate-800">{x.text}</p>
                    {x.evidence.length > 0 && (
                      <ul className="mt-2 space-y-1 text-sm">
                        {x.evidence.map((e, i) => (
                          <li key={i} className="break-all">
                            <span className="text-slate-600">{e.type}: </span>
                            <a href={e.url} className="text-brand-700 underline" rel="noreferrer noopener" target="_blank">
                              {e.url}
                            </a>
                          </li>
                        ))}
                      </ul>
                    )}
                    <details className="mt-3 border-t border-slate-100 pt-3">
                      <summary className="cursor-pointer font-semibold text-brand-700">Review submission #{x.id}</summary>
                      <div className="mt-3">
                        <ReviewForm submissionId={x.id} taskId={x.taskId} round={x.round} seat={v.address} onDone={() => q.reload()} />
                      </div>
                    </details>
                  </Card>
                </li>
              ))}
            </ul>
          )}
        </div>
        <Card aria-labelledby="h-standing">
          <h2 id="h-standing" className="text-lg font-semibold">
            Your standing
          </h2>
          <dl className="mt-2 space-y-2 text-sm">
            <div className="flex justify-between gap-3">
              <dt className="text-slate-600">Address</dt>
              <dd className="font-mono">{shortAddress(v.address)}</dd>
            </div>
            <div className="flex justify-between gap-3">
              <dt className="text-slate-600">Status</dt>
              <dd className="font-semibold">{v.status}</dd>
            </div>
            <div className="flex justify-between gap-3">
              <dt className="text-slate-600">Stake</dt>
              <dd className="font-semibold tabular-nums">
                {formatWei(v.stake)} {TOKEN_SYMBOL}
              </dd>
            </div>
            <div className="flex justify-between gap-3">
              <dt className="text-slate-600">Accuracy</dt>
              <dd className="font-semibold tabular-nums">{Math.round(Number(v.accuracy) * 100)}%</dd>
            </div>
          </dl>
        </Card>
      </div>
    </>
  );
}
