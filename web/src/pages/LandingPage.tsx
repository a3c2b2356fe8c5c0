// The front door: what PHEME is, how it works, live figures from the API (GET /stats, exact counts
// in one answer), and the top of the global leaderboard, which loads on its own.
import { Card, Empty, ErrorNotice, PageTitle, Spinner, btn } from "../components/ui";
import { useAsync, useDocumentTitle } from "../hooks";
import { Link } from "../router";
import { useSession } from "../session";
import { strings } from "../strings";
import { formatNumber } from "../format";
import { People } from "./LeaderboardsPage";

const t = strings.landing;

function Figure({ label, value, testId }: { label: string; value: string | undefined; testId: string }) {
  return (
    <div className="rounded-xl border border-slate-200 bg-white p-4 text-center">
      <dd className="text-2xl font-bold tabular-nums text-slate-900 sm:text-3xl" data-testid={testId}>
        {value ?? "…"}
      </dd>
      <dt className="mt-1 text-sm text-slate-600">{label}</dt>
    </div>
  );
}

export function LandingPage() {
  useDocumentTitle(undefined);
  const s = useSession();
  const stats = useAsync(() => s.client.stats(), []);
  const board = useAsync(() => s.client.board("global", undefined, { limit: 5 }), []);
  const n = stats.data;
  const figure = (v: number | undefined) => (v === undefined ? undefined : formatNumber(v));

  return (
    <>
      <section aria-labelledby="page-title" className="mb-10 rounded-3xl border border-slate-200 bg-white px-5 py-8 shadow-sm sm:px-10 sm:py-12">
        <PageTitle>{t.title}</PageTitle>
        <p className="max-w-3xl text-lg text-slate-700">{t.lead}</p>
        <div className="mt-6 flex flex-wrap gap-3">
          <Link to="/tasks" className={btn.primary}>
            {t.browseTasks}
          </Link>
          <Link to="/quests" className={btn.secondary}>
            {t.seeQuests}
          </Link>
        </div>
      </section>

      <section aria-labelledby="numbers-title" className="mb-10">
        <h2 id="numbers-title" className="mb-3 text-xl font-semibold text-slate-900">
          {t.numbersTitle}
        </h2>
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5">
          <Figure testId="stat-open-tasks" label={t.numbers.openTasks(n?.openTasks ?? 0)} value={figure(n?.openTasks)} />
          <Figure testId="stat-people" label={t.numbers.people(n?.people ?? 0)} value={figure(n?.people)} />
          <Figure testId="stat-guilds" label={t.numbers.guilds(n?.guilds ?? 0)} value={figure(n?.guilds)} />
          <Figure testId="stat-skills" label={t.numbers.skills(n?.skills ?? 0)} value={figure(n?.skills)} />
          <Figure testId="stat-quests" label={t.numbers.quests(n?.quests ?? 0)} value={figure(n?.quests)} />
        </dl>
        {stats.error && <p className="mt-2 text-sm text-slate-600">{t.numbersUnavailable}</p>}
      </section>

      <div className="grid gap-6 lg:grid-cols-2">
        <section aria-labelledby="how-title">
          <h2 id="how-title" className="mb-3 text-xl font-semibold text-slate-900">
            {t.howTitle}
          </h2>
          <ol className="space-y-3">
            {t.steps.map((step, i) => (
              <li key={step.title} className="flex gap-3 rounded-xl border border-slate-200 bg-white p-4">
                <span className="flex h-8 w-8 shrink-0 items-center justify-center rounded-full bg-brand-600 font-semibold text-white" aria-hidden="true">
                  {i + 1}
                </span>
                <div className="min-w-0">
                  <h3 className="font-semibold text-slate-900">{step.title}</h3>
                  <p className="text-sm text-slate-700">{step.text}</p>
                </div>
              </li>
            ))}
          </ol>
        </section>
        <Card aria-labelledby="board-title">
          <div className="mb-2 flex flex-wrap items-baseline justify-between gap-2">
            <h2 id="board-title" className="text-xl font-semibold text-slate-900">
              {t.boardTitle}
            </h2>
            <Link to="/leaderboards" className="text-sm font-semibold text-brand-700 underline underline-offset-2">
              {t.boardAll}
            </Link>
          </div>
          {board.loading && <Spinner />}
          {board.error && <ErrorNotice error={board.error} onRetry={board.reload} />}
          {board.data && (board.data.items.length ? <People rows={board.data.items} me={s.me?.address} /> : <Empty title={t.boardEmpty} />)}
        </Card>
      </div>
    </>
  );
}
