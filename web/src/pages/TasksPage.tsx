import { useMemo, type ChangeEvent } from "react";
import type { Client, Page, Skill, Task, TaskFilter, TaskStatus, TaskType } from "../api";
import { difficultyLabel, formatReward, taskWord, titleCase } from "../format";
import { useAsync, useDocumentTitle, usePaged } from "../hooks";
import { Link, navigate, useLocation } from "../router";
import { useSession } from "../session";
import { Chip, Empty, ErrorNotice, PageTitle, Spinner, btn, cx, input, label, statusTone, typeTone } from "../components/ui";

import { strings } from "../strings";

const T = strings.tasks;
const TYPES: TaskType[] = ["LESSON", "BOUNTY", "QUEST"];
const STATUSES: TaskStatus[] = ["OPEN", "CLOSED", "DRAFT"];

/** The filters live in the URL (?type=&skill=&difficulty=&status=), so a filtered list can be shared. */
function readFilter(q: URLSearchParams): TaskFilter {
  const f: TaskFilter = {};
  const type = q.get("type");
  if (type && (TYPES as string[]).includes(type)) f.type = type as TaskType;
  const status = q.get("status");
  if (status && (STATUSES as string[]).includes(status)) f.status = status as TaskStatus;
  const skill = q.get("skill");
  if (skill) f.skill = skill;
  const d = Number(q.get("difficulty"));
  if (Number.isInteger(d) && d >= 1 && d <= 10) f.difficulty = d;
  return f;
}

export function TaskCard({ task, skillNames }: { task: Task; skillNames: Map<string, string> }) {
  return (
    <li className="group relative flex flex-col rounded-2xl border border-slate-200 bg-white p-5 shadow-sm transition hover:border-brand-300 hover:shadow-md">
      <div className="flex flex-wrap items-center gap-2">
        <Chip tone={typeTone[task.type]}>{taskWord(task.type)}</Chip>
        {task.status !== "OPEN" && <Chip tone={statusTone[task.status]}>{taskWord(task.status)}</Chip>}
        <span className="ml-auto text-xs font-medium text-slate-600" title={T.difficultyOf(task.difficulty)}>
          {difficultyLabel(task.difficulty)} · {task.difficulty}/10
        </span>
      </div>
      <h2 className="mt-3 text-base font-semibold leading-snug text-slate-900">
        <Link to={`/tasks/${task.id}`} className="rounded after:absolute after:inset-0 after:rounded-2xl after:content-[''] group-hover:text-brand-700">
          {task.title}
        </Link>
      </h2>
      <p className="mt-2 line-clamp-3 text-sm text-slate-600">{task.description}</p>
      {task.skills.length > 0 && (
        <ul className="mt-3 flex flex-wrap gap-1.5" aria-label={T.skills}>
          {task.skills.map((s) => (
            <li key={s.skill} className="rounded-md bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700">
              {skillNames.get(s.skill) ?? s.skill}
            </li>
          ))}
        </ul>
      )}
      <dl className="mt-auto flex items-end justify-between gap-3 pt-4 text-sm">
        <div>
          <dt className="sr-only">{T.xpReward}</dt>
          <dd className="font-semibold text-brand-700">{T.xp(task.xpReward)}</dd>
        </div>
        <div className="text-right">
          <dt className="sr-only">{T.tokenReward}</dt>
          <dd className={cx("font-semibold", task.tokenReward === "0" ? "text-slate-500" : "text-emerald-700")}>{formatReward(task.tokenReward)}</dd>
        </div>
      </dl>
    </li>
  );
}

/** slug and every skill below it in the catalogue. */
export function skillFamily(slug: string, all: Skill[]): string[] {
  const out = [slug];
  for (let i = 0; i < out.length && out.length < 50; i++)
    for (const s of all) if (s.parent === out[i] && !out.includes(s.slug)) out.push(s.slug);
  return out;
}

/** One page of the tasks of several skills, newest first, without repeats; the cursor holds each
 *  skill's own cursor. */
export async function familyTasks(client: Client, filter: TaskFilter, slugs: string[], cursor?: string): Promise<Page<Task>> {
  let cursors: Record<string, string | null>;
  try {
    cursors = cursor ? (JSON.parse(cursor) as Record<string, string | null>) : Object.fromEntries(slugs.map((s) => [s, ""]));
  } catch {
    cursors = Object.fromEntries(slugs.map((s) => [s, ""]));
  }
  const live = slugs.filter((s) => typeof cursors[s] === "string");
  const pages = await Promise.all(live.map((s) => client.tasks({ ...filter, skill: s }, cursors[s] || undefined)));
  const seen = new Map<number, Task>();
  const next: Record<string, string | null> = {};
  live.forEach((s, i) => {
    for (const t of pages[i].items) seen.set(t.id, t);
    if (pages[i].nextCursor) next[s] = pages[i].nextCursor;
  });
  const items = [...seen.values()].sort((a, b) => b.id - a.id);
  return { items, nextCursor: Object.keys(next).length ? JSON.stringify(next) : null };
}

export function TasksPage() {
  useDocumentTitle(T.title);
  const { query } = useLocation();
  const { client } = useSession();
  const filter = useMemo(() => readFilter(query), [query.toString()]); // eslint-disable-line react-hooks/exhaustive-deps
  const key = JSON.stringify(filter);
  const skills = useAsync(() => client.skills(), []);
  // The API filters by one skill exactly; a skill group (a parent skill) means the skill and
  // every skill under it, so its tasks are the merge of each one's list.
  const family = useMemo(() => (filter.skill ? skillFamily(filter.skill, skills.data?.items ?? []) : []), [filter.skill, skills.data]);
  const tasks = usePaged((cursor) => (family.length > 1 ? familyTasks(client, filter, family, cursor) : client.tasks(filter, cursor)), [key, family.join(",")]);

  const skillNames = useMemo(() => new Map((skills.data?.items ?? []).map((s: Skill) => [s.slug, s.name])), [skills.data]);
  const skillGroups = useMemo(() => {
    const groups: Record<string, Skill[]> = { technical: [], creative: [], business: [] };
    for (const s of skills.data?.items ?? []) (groups[s.domain] ??= []).push(s);
    for (const g of Object.values(groups)) g.sort((a, b) => a.name.localeCompare(b.name));
    return groups;
  }, [skills.data]);

  function set(name: keyof TaskFilter) {
    return (e: ChangeEvent<HTMLSelectElement>) => {
      const q = new URLSearchParams(query);
      if (e.target.value) q.set(name, e.target.value);
      else q.delete(name);
      const s = q.toString();
      navigate(`/tasks${s ? `?${s}` : ""}`, { replace: true });
    };
  }
  const active = Object.keys(filter).length > 0;
  const shown = useMemo(() => [...new Map(tasks.items.map((t) => [t.id, t])).values()], [tasks.items]);

  return (
    <>
      <PageTitle sub={T.sub}>{T.title}</PageTitle>

      <form className="mb-6 grid grid-cols-2 gap-3 rounded-2xl border border-slate-200 bg-white p-4 shadow-sm md:grid-cols-5" aria-label={T.filter} onSubmit={(e) => e.preventDefault()}>
        <div>
          <label htmlFor="f-type" className={label}>
            {T.type}
          </label>
          <select id="f-type" className={cx(input, "mt-1")} value={filter.type ?? ""} onChange={set("type")}>
            <option value="">{T.anyType}</option>
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {taskWord(t)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="f-skill" className={label}>
            {T.skill}
          </label>
          <select id="f-skill" className={cx(input, "mt-1")} value={filter.skill ?? ""} onChange={set("skill")}>
            <option value="">{T.anySkill}</option>
            {filter.skill && !skillNames.has(filter.skill) && <option value={filter.skill}>{filter.skill}</option>}
            {Object.entries(skillGroups).map(([domain, list]) =>
              list.length ? (
                <optgroup key={domain} label={strings.wallet.domains[domain] ?? titleCase(domain)}>
                  {list.map((s) => (
                    <option key={s.slug} value={s.slug}>
                      {s.name}
                    </option>
                  ))}
                </optgroup>
              ) : null,
            )}
          </select>
        </div>
        <div>
          <label htmlFor="f-difficulty" className={label}>
            {T.difficulty}
          </label>
          <select id="f-difficulty" className={cx(input, "mt-1")} value={filter.difficulty ?? ""} onChange={set("difficulty")}>
            <option value="">{T.anyDifficulty}</option>
            {Array.from({ length: 10 }, (_, i) => i + 1).map((d) => (
              <option key={d} value={d}>
                {d} — {difficultyLabel(d)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="f-status" className={label}>
            {T.status}
          </label>
          <select id="f-status" className={cx(input, "mt-1")} value={filter.status ?? ""} onChange={set("status")}>
            <option value="">{T.anyStatus}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {taskWord(s)}
              </option>
            ))}
          </select>
        </div>
        <div className="col-span-2 flex items-end md:col-span-1">
          <button type="button" className={cx(btn.secondary, "w-full")} disabled={!active} onClick={() => navigate("/tasks", { replace: true })}>
            {T.clear}
          </button>
        </div>
      </form>

      {skills.error && <div className="mb-4"><ErrorNotice error={skills.error} title={T.skillsFailed} onRetry={skills.reload} /></div>}

      {tasks.loading ? (
        <Spinner label={T.loading} />
      ) : tasks.error && tasks.items.length === 0 ? (
        <ErrorNotice error={tasks.error} title={T.failed} onRetry={tasks.reload} />
      ) : tasks.items.length === 0 ? (
        <Empty title={active ? T.noMatch : T.none}>
          {active ? T.noMatchText : T.noneText}
        </Empty>
      ) : (
        <>
          <p className="sr-only" aria-live="polite">
            {T.shown(shown.length, tasks.hasMore)}
          </p>
          <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" aria-label={T.title}>
            {shown.map((t) => (
              <TaskCard key={t.id} task={t} skillNames={skillNames} />
            ))}
          </ul>
          {tasks.error && <div className="mt-4"><ErrorNotice error={tasks.error} title={T.moreFailed} onRetry={tasks.loadMore} /></div>}
          <div className="mt-6 flex justify-center">
            {tasks.hasMore ? (
              <button type="button" className={btn.secondary} onClick={tasks.loadMore} disabled={tasks.loadingMore}>
                {tasks.loadingMore ? strings.app.loading : T.loadMore}
              </button>
            ) : (
              <p className="text-sm text-slate-500">{T.every(active)}</p>
            )}
          </div>
        </>
      )}
    </>
  );
}
