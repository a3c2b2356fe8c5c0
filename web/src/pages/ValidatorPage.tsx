import { formatDate, formatWei, shortAddress, stateLabel, TOKEN_SYMBOL } from "../format";
import { useAsync, useDocumentTitle } from "../hooks";
import { ReviewForm } from "../components/ReviewForm";
import { useSession } from "../session";
import { Card, Empty, ErrorNotice, PageTitle, Spinner, btn } from "../components/ui";
import { strings } from "../strings";

const R = strings.review;

/** A validator's queue: the submissions whose panel they sit on and have not reviewed yet. */
export function ValidatorPage() {
  useDocumentTitle(R.title);
  const s = useSession();
  const q = useAsync(() => (s.status === "signed-in" ? s.client.validatorQueue() : Promise.resolve(undefined)), [s.status, s.me?.address]);

  if (s.status === "anonymous")
    return (
      <>
        <PageTitle>{R.title}</PageTitle>
        <Empty title={R.signIn}>
          {R.signInText}
          <div className="mt-3">
            <button type="button" className={btn.primary} onClick={s.openSignIn}>
              {strings.app.signIn}
            </button>
          </div>
        </Empty>
      </>
    );
  if (s.status === "checking" || (q.loading && !q.data)) return <Spinner label={R.loading} />;
  if (q.error?.status === 404)
    return (
      <>
        <PageTitle>{R.title}</PageTitle>
        <Empty title={R.notValidator}>{R.notValidatorText(TOKEN_SYMBOL)}</Empty>
      </>
    );
  if (q.error || !q.data)
    return (
      <>
        <PageTitle>{R.title}</PageTitle>
        {q.error && <ErrorNotice error={q.error} title={R.failed} onRetry={q.reload} />}
      </>
    );
  const { validator: v, items } = q.data;
  return (
    <>
      <PageTitle sub={R.waiting(items.length)}>{R.title}</PageTitle>
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <div className="min-w-0 lg:col-span-2">
          {items.length === 0 ? (
            <Empty title={R.nothing}>{R.nothingText}</Empty>
          ) : (
            <ul className="space-y-3" aria-label={R.list}>
              {items.map((x) => (
                <li key={`${x.id}-${x.round}`}>
                  <Card as="div">
                    <p className="text-sm text-slate-600">
                      {R.item(x.taskId, stateLabel(x.state), x.round, formatDate(x.createdAt))}
                    </p>
                    <h2 className="mt-1 text-base font-semibold">{R.submission(x.id)}</h2>
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
                      <summary className="cursor-pointer font-semibold text-brand-700">{R.open(x.id)}</summary>
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
            {R.standing}
          </h2>
          <dl className="mt-2 space-y-2 text-sm">
            <div className="flex justify-between gap-3">
              <dt className="text-slate-600">{R.address}</dt>
              <dd className="font-mono">{shortAddress(v.address)}</dd>
            </div>
            <div className="flex justify-between gap-3">
              <dt className="text-slate-600">{R.status}</dt>
              <dd className="font-semibold">{v.status}</dd>
            </div>
            <div className="flex justify-between gap-3">
              <dt className="text-slate-600">{R.stake}</dt>
              <dd className="font-semibold tabular-nums">
                {formatWei(v.stake)} {TOKEN_SYMBOL}
              </dd>
            </div>
            <div className="flex justify-between gap-3">
              <dt className="text-slate-600">{R.accuracy}</dt>
              <dd className="font-semibold tabular-nums">{Math.round(Number(v.accuracy) * 100)}%</dd>
            </div>
          </dl>
        </Card>
      </div>
    </>
  );
}
