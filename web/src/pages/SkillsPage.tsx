import { useMemo } from "react";
import type { Skill, SkillDomain } from "../api";
import { useAsync, useDocumentTitle } from "../hooks";
import { Link } from "../router";
import { useSession } from "../session";
import { Card, Chip, ErrorNotice, PageTitle, Spinner, domainTone } from "../components/ui";
import { strings } from "../strings";

const DOMAINS: { id: SkillDomain; name: string; blurb: string }[] = [
  { id: "technical", ...strings.skills.domains.technical },
  { id: "creative", ...strings.skills.domains.creative },
  { id: "business", ...strings.skills.domains.business },
];

interface Node {
  skill: Skill;
  children: Skill[];
}

/** Top-level skills of a domain, each with the skills whose parent it is. */
function tree(skills: Skill[]): Node[] {
  const bySlug = new Map(skills.map((s) => [s.slug, s]));
  const roots = new Map<string, Node>();
  for (const s of skills) if (!s.parent || !bySlug.has(s.parent)) roots.set(s.slug, { skill: s, children: [] });
  for (const s of skills) if (s.parent && bySlug.has(s.parent)) roots.get(s.parent)?.children.push(s);
  const nodes = [...roots.values()];
  for (const n of nodes) n.children.sort((a, b) => a.name.localeCompare(b.name));
  return nodes.sort((a, b) => a.skill.name.localeCompare(b.skill.name));
}

function SkillLink({ s, strong }: { s: Skill; strong?: boolean }) {
  return (
    <Link to={`/tasks?skill=${encodeURIComponent(s.slug)}`} className={`${strong ? "font-semibold" : "font-medium"} text-slate-900 hover:text-brand-700 hover:underline`} title={strings.skills.tasksFor(s.name)}>
      {s.name}
    </Link>
  );
}

export function SkillsPage() {
  useDocumentTitle(strings.skills.title);
  const { client } = useSession();
  const skills = useAsync(() => client.skills(), []);
  const groups = useMemo(() => {
    const items = skills.data?.items ?? [];
    return DOMAINS.map((d) => ({ ...d, nodes: tree(items.filter((s) => s.domain === d.id)), count: items.filter((s) => s.domain === d.id).length }));
  }, [skills.data]);

  return (
    <>
      <PageTitle sub={strings.skills.sub}>{strings.skills.title}</PageTitle>
      {skills.loading ? (
        <Spinner label={strings.skills.loading} />
      ) : skills.error ? (
        <ErrorNotice error={skills.error} title={strings.skills.failed} onRetry={skills.reload} />
      ) : (
        <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
          {groups.map((g) => (
            <Card key={g.id} aria-labelledby={`h-${g.id}`}>
              <div className="flex items-center justify-between gap-2">
                <h2 id={`h-${g.id}`} className="text-lg font-semibold">
                  {g.name}
                </h2>
                <Chip tone={domainTone[g.id]}>{strings.skills.count(g.count)}</Chip>
              </div>
              <p className="mt-1 text-sm text-slate-600">{g.blurb}</p>
              <ul className="mt-4 space-y-4">
                {g.nodes.map((n) => (
                  <li key={n.skill.slug}>
                    <SkillLink s={n.skill} strong />
                    {n.skill.description && <p className="text-sm text-slate-600">{n.skill.description}</p>}
                    {n.children.length > 0 && (
                      <ul className="mt-2 space-y-1.5 border-l-2 border-slate-100 pl-3">
                        {n.children.map((c) => (
                          <li key={c.slug} className="text-sm">
                            <SkillLink s={c} />
                            {c.description && <span className="text-slate-600"> — {c.description}</span>}
                          </li>
                        ))}
                      </ul>
                    )}
                  </li>
                ))}
              </ul>
            </Card>
          ))}
        </div>
      )}
    </>
  );
}
