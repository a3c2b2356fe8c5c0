// The front door: what PHEME is, how it works, live figures from the API, and the top of the
// global leaderboard. Each figure loads on its own, so one slow or failing answer hides only itself.
import { Card, Empty, ErrorNotice, PageTitle, Spinner, btn } from "../components/ui";
import { useAsync, useDocumentTitle } from "../hooks";
import { Link } from "../router";
import { useSession } from "../session";
import { strings } from "../strings";
import { formatNumber } from "../format";
import { People } from "./LeaderboardsPage";

const t = strings.landing;
const PAGE = 100;

/** A count from one page of a list: exact when the list fits in one page, "100+" otherwise. */
export function countText(items: number, more: boolean): string {
  return more ? t.atLeast(items) : formatNumber(items);
}

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
  const tasks = useAsync(() => s.client.tasks({ status: "OPEN" }, undefined, PAGE), []);
  const board = useAsync(() => s.client.board("global", undefined, { limit: 5 }), []);
  const guilds = useAsync(() => s.client.request<{ items: unknown[]; nextCursor: string | null }>("GET", `/guilds?limit=${PAGE}`), []);
  const skills = useAsync(() => s.client.skills(), []);
  const quests = useAsync(() => s.client.quests(), []);
  const failed = [tasks, board, guilds, skills, quests].some((a) => a.error);

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
          <Figure testId="stat-open-tasks" label={t.numbers.openTasks(tasks.data?.items.length ?? 0)} value={tasks.data && countText(tasks.data.items.length, tasks.data.nextCursor !== null)} />
          <Figure testId="stat-people" label={t.numbers.people(board.data?.total ?? 0)} value={board.data && formatNumber(board.data.total)} />
          <Figure testId="stat-guilds" label={t.numbers.guilds(guilds.data?.items.length ?? 0)} value={guilds.data && countText(guilds.data.items.length, guilds.data.nextCursor !== null)} />
          <Figure testId="stat-skills" label={t.numbers.skills(skills.data?.items.length ?? 0)} value={skills.data && formatNumber(skills.data.items.length)} />
          <Figure testId="stat-quests" label={t.numbers.quests(quests.data?.items.length ?? 0)} value={quests.data && formatNumber(quests.data.items.length)} />
        </dl>
        {failed && <p className="mt-2 text-sm text-slate-600">{t.numbersUnavailable}</p>}
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
