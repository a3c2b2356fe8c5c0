// The creator console's rubric builder and task form, as plain data: what the form holds, what it
// sends (POST/PATCH /tasks, docs/api.md Tasks), and what is wrong with it, in people's words.
import type { Task, TaskType, TaskWrite } from "./api";
import { formatWei, parseTokens } from "./format";
import { strings } from "./strings";

export interface CriterionRow {
  criterion: string;
  weight: string;
  description: string;
}

export interface SkillRow {
  skill: string;
  minLevel: string;
}

export interface TaskForm {
  type: TaskType;
  title: string;
  description: string;
  difficulty: string;
  xpReward: string;
  tokenReward: string;
  deadline: string;
  status: "OPEN" | "DRAFT";
  skills: SkillRow[];
  minReputation: string;
  evidenceTypes: string[];
  rubric: CriterionRow[];
}

export const EVIDENCE_TYPES = ["link", "repository", "image", "video", "document"] as const;

export function emptyForm(): TaskForm {
  return {
    type: "BOUNTY",
    title: "",
    description: "",
    difficulty: "5",
    xpReward: "200",
    tokenReward: "",
    deadline: "",
    status: "OPEN",
    skills: [{ skill: "", minLevel: "10" }],
    minReputation: "0",
    evidenceTypes: ["link"],
    rubric: [
      { criterion: "", weight: "60", description: "" },
      { criterion: "", weight: "40", description: "" },
    ],
  };
}

/** The form of an existing task, to edit it. */
export function formOf(t: Task): TaskForm {
  let token = "";
  try {
    token = BigInt(t.tokenReward) > 0n ? formatWei(t.tokenReward, { maxFraction: 18 }).replace(/,/g, "") : "";
  } catch {
    token = "";
  }
  return {
    type: t.type,
    title: t.title,
    description: t.description,
    difficulty: String(t.difficulty),
    xpReward: String(t.xpReward),
    tokenReward: token,
    deadline: t.deadline ? t.deadline.slice(0, 10) : "",
    status: t.status === "DRAFT" ? "DRAFT" : "OPEN",
    skills: t.skills.length ? t.skills.map((s) => ({ skill: s.skill, minLevel: String(s.minLevel) })) : [],
    minReputation: String(t.requirements.minReputation ?? 0),
    evidenceTypes: t.validation.evidenceTypes?.length ? [...t.validation.evidenceTypes] : ["link"],
    rubric: (t.validation.rubric ?? []).map((c) => ({ criterion: c.criterion, weight: String(c.weight), description: c.description ?? "" })),
  };
}

export function rubricTotal(rows: CriterionRow[]): number {
  return rows.reduce((sum, r) => sum + (Number.parseInt(r.weight, 10) || 0), 0);
}

const int = (s: string, lo: number, hi: number) => {
  if (!/^\d+$/.test(s.trim())) return null;
  const n = Number(s.trim());
  return n >= lo && n <= hi ? n : null;
};

/** What is wrong with the form (empty: nothing), each problem once, in people's words. */
export function formProblems(f: TaskForm): string[] {
  const out: string[] = [];
  const c = strings.create;
  if (!f.title.trim()) out.push(`${c.fields.title}: required.`);
  if (!f.description.trim()) out.push(`${c.fields.description}: required.`);
  if (int(f.difficulty, 1, 10) === null) out.push(`${c.fields.difficulty}: a whole number from 1 to 10.`);
  if (int(f.xpReward, 0, 1000000) === null) out.push(`${c.fields.xpReward}: a whole number from 0 to 1,000,000.`);
  if (f.tokenReward.trim() && parseTokens(f.tokenReward) === null) out.push(`${c.fields.tokenReward}: ${strings.staking.badAmount}`);
  if (int(f.minReputation, 0, 100) === null) out.push(`${c.fields.minReputation}: a whole number from 0 to 100.`);
  f.skills.forEach((s, i) => {
    if (!s.skill) out.push(`${c.fields.skill(i + 1)}: choose one, or remove the row.`);
    if (int(s.minLevel, 0, 100) === null) out.push(`${c.fields.minLevel(i + 1)}: a whole number from 0 to 100.`);
  });
  if (!f.evidenceTypes.length) out.push(`${c.fields.evidence}: choose at least one.`);
  if (!f.rubric.length) out.push(c.rubric.needsOne);
  f.rubric.forEach((r, i) => {
    if (!r.criterion.trim()) out.push(`${c.rubric.criterion(i + 1)}: required.`);
    if (int(r.weight, 1, 100) === null) out.push(`${c.rubric.weight(i + 1)}: a whole number from 1 to 100.`);
  });
  if (f.rubric.length && rubricTotal(f.rubric) !== 100) out.push(`${c.rubric.needs100} (${rubricTotal(f.rubric)})`);
  return out;
}

/** The body the server takes; `editing` leaves out what an edit may not change (the status of an
 *  open task). Call only on a form without problems. */
export function taskBody(f: TaskForm, editing?: Task): TaskWrite {
  const body: TaskWrite = {
    type: f.type,
    title: f.title.trim(),
    description: f.description.trim(),
    difficulty: Number(f.difficulty),
    xpReward: Number(f.xpReward),
    tokenReward: (parseTokens(f.tokenReward || "0") ?? 0n).toString(),
    skills: f.skills.map((s) => ({ skill: s.skill, minLevel: Number(s.minLevel) })),
    requirements: { minReputation: Number(f.minReputation) },
    validation: {
      rubric: f.rubric.map((r) => ({ criterion: r.criterion.trim(), weight: Number(r.weight), ...(r.description.trim() ? { description: r.description.trim() } : {}) })),
      evidenceTypes: [...f.evidenceTypes],
    },
  };
  if (f.deadline) body.deadline = `${f.deadline}T23:59:59Z`;
  if (!editing || editing.status === "DRAFT") body.status = f.status;
  return body;
}
