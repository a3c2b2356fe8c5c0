// The few Prometheus figures the admin page shows (GET /metrics, text exposition format): job runs
// by outcome, and jobs in the queue by kind and state.

export interface JobFigures {
  runs: Record<string, number>;
  queue: { kind: string; state: string; count: number }[];
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)/;

function labels(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (text ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) out[m[1]] = m[2].replace(/\\(.)/g, "$1");
  return out;
}

/** Reads pheme_jobs_runs_total{outcome} and pheme_jobs{kind,state} out of an exposition. */
export function jobFigures(text: string): JobFigures {
  const out: JobFigures = { runs: {}, queue: [] };
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    const l = labels(m[2]);
    if (m[1] === "pheme_jobs_runs_total" && l.outcome) out.runs[l.outcome] = value;
    else if (m[1] === "pheme_jobs" && l.kind && l.state) out.queue.push({ kind: l.kind, state: l.state, count: value });
  }
  return out;
}
