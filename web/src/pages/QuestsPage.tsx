// Quest chains: tasks done in order, each step unlocked by the one before, a bonus for the chain.
// Signed in, the server adds each step's done/locked and the person's progress (GET /quests).
import type { Quest, QuestStep } from "../api";
import { BackLink, Card, Chip, Empty, ErrorNotice, Meter, PageTitle, Spinner, cx } from "../components/ui";
import { useAsync, useDocumentTitle } from "../hooks";
import { Link } from "../router";
import { useSession } from "../session";
import { strings } from "../strings";

const t = strings.quests;

export type StepState = "done" | "open" | "locked" | "unknown";

/** A step's state for the caller: unknown when the server answered without progress (anonymous). */
export function stepState(step: QuestStep): StepState {
  if (step.done === undefined && step.locked === undefined) return "unknown";
  if (step.done) return "done";
  return step.locked ? "locked" : "open";
}

function StepList({ quest }: { quest: Quest }) {
  return (
    <ol className="mt-3 space-y-2" aria-label={`${t.chain}: ${quest.name}`}>
      {[...quest.steps]
        .sort((a, b) => a.position - b.position)
        .map((step) => {
          const st = stepState(step);
          return (
            <li key={step.position} data-testid="quest-step" data-state={st} className={cx("flex flex-wrap items-center gap-3 rounded-xl border p-3", st === "locked" ? "border-dashed border-slate-300 bg-slate-50" : "border-slate-200 bg-white")}>
              <span
                className={cx(
                  "flex h-8 w-8 shrink-0 items-center justify-center rounded-full text-sm font-semibold",
                  st === "done" ? "bg-emerald-600 text-white" : st === "locked" ? "bg-slate-200 text-slate-700" : "bg-brand-600 text-white",
                )}
                aria-hidden="true"
              >
                {st === "done" ? "✓" : st === "locked" ? "🔒" : step.position}
              </span>
              <div className="min-w-0 flex-1">
                {st === "locked" ? (
                  <span className="font-medium text-slate-700">{step.title}</span>
                ) : (
                  <Link to={`/tasks/${step.taskId}`} className="font-medium text-slate-900 underline-offset-2 hover:underline">
                    {step.title}
                  </Link>
                )}
                {st === "locked" && <p className="text-xs text-slate-600">{t.lockedWhy}</p>}
              </div>
              {st === "done" && <Chip tone="green">{t.stepDone}</Chip>}
              {st === "open" && <Chip tone="brand">{t.stepOpen}</Chip>}
              {st === "locked" && <Chip>{t.stepLocked}</Chip>}
            </li>
          );
        })}
    </ol>
  );
}

function QuestCard({ quest, detail = false }: { quest: Quest; detail?: boolean }) {
  const p = quest.progress;
  const headingId = `quest-${quest.id}`;
  return (
    <Card as={detail ? "section" : "li"} aria-labelledby={headingId}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          {detail ? (
            <h2 id={headingId} className="text-lg font-semibold text-slate-900">
              {t.chain}
            </h2>
          ) : (
            <h2 id={headingId} className="text-lg font-semibold text-slate-900">
              <Link to={`/quests/${quest.id}`} className="underline-offset-2 hover:underline">
                {quest.name}
              </Link>
            </h2>
          )}
          {!detail && quest.description && <p className="mt-1 text-sm text-slate-700">{quest.description}</p>}
        </div>
        <div className="flex flex-wrap gap-2">
          <Chip tone="violet">{t.steps(quest.steps.length)}</Chip>
          {quest.xpReward > 0 && <Chip tone="amber">{t.reward(quest.xpReward)}</Chip>}
          {p?.completedAt && <Chip tone="green">{t.completed}</Chip>}
        </div>
      </div>
      {quest.requires.length > 0 && (
        <p className="mt-2 text-sm text-slate-700">
          {t.requires}: {quest.requires.join(", ")}
        </p>
      )}
      {p && (
        <div className="mt-3">
          <p className="mb-1 text-sm text-slate-700" data-testid="quest-progress">
            {t.progress(p.stepsDone, p.steps)}
          </p>
          <Meter value={p.stepsDone} max={Math.max(p.steps, 1)} label={t.progress(p.stepsDone, p.steps)} tone="bg-emerald-600" />
        </div>
      )}
      <StepList quest={quest} />
    </Card>
  );
}

export function QuestsPage() {
  useDocumentTitle(t.title);
  const s = useSession();
  const quests = useAsync(() => s.client.quests(), [s.me?.address]);
  return (
    <>
      <PageTitle sub={t.sub}>{t.title}</PageTitle>
      {!s.me && <p className="mb-4 text-sm text-slate-700">{t.signInForProgress}</p>}
      {quests.loading && !quests.data && <Spinner />}
      {quests.error && <ErrorNotice error={quests.error} onRetry={quests.reload} />}
      {quests.data &&
        (quests.data.items.length === 0 ? (
          <Empty title={t.empty}>{t.emptyText}</Empty>
        ) : (
          <ul className="space-y-4" aria-label={t.title}>
            {quests.data.items.map((q) => (
              <QuestCard key={q.id} quest={q} />
            ))}
          </ul>
        ))}
    </>
  );
}

export function QuestPage({ id }: { id: string }) {
  const s = useSession();
  const quest = useAsync(() => s.client.quest(id), [id, s.me?.address]);
  useDocumentTitle(quest.data?.name ?? t.title);
  return (
    <>
      <BackLink to="/quests">{t.back}</BackLink>
      {quest.loading && !quest.data && <Spinner />}
      {quest.error && (
        <>
          <PageTitle>{t.notFound}</PageTitle>
          <ErrorNotice error={quest.error} onRetry={quest.reload} />
        </>
      )}
      {quest.data && (
        <>
          <PageTitle sub={quest.data.description || undefined}>{quest.data.name}</PageTitle>
          {!s.me && <p className="mb-4 text-sm text-slate-700">{t.signInForProgress}</p>}
          <QuestCard quest={quest.data} detail />
        </>
      )}
    </>
  );
}
