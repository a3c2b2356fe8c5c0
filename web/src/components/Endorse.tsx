// Reputation on a Skill Wallet, and endorsing its holder in a skill.
import { useState, type FormEvent } from "react";
import type { ApiError, Skill } from "../api";
import { toApiError, useAsync } from "../hooks";
import { Link } from "../router";
import { useSession } from "../session";
import { Card, ErrorNotice, btn, cx, input, label } from "./ui";
import { strings } from "../strings";

const E = strings.endorse;

const REFUSALS: Record<string, string> = E.refusals;

export function ReputationCard({ address }: { address: string }) {
  const { client } = useSession();
  const rep = useAsync(() => client.reputation(address), [address]);
  return (
    <Card aria-labelledby="h-reputation">
      <h2 id="h-reputation" className="text-lg font-semibold">
        {E.reputation}
      </h2>
      {rep.error ? (
        <ErrorNotice error={rep.error} onRetry={rep.reload} />
      ) : rep.data ? (
        <>
          <p className="mt-2 text-3xl font-bold tabular-nums" data-testid="reputation-score">
            {(Math.round(Number(rep.data.score) * 10) / 10).toString()}
            <span className="text-sm font-medium text-slate-600"> / 100</span>
          </p>
          {!rep.data.computed && <p className="text-sm text-slate-600">{E.notYet}</p>}
          <Link to={`/reputation/${address}`} className="mt-2 inline-block text-sm font-semibold text-brand-700 underline underline-offset-2">
            {E.why}
          </Link>
        </>
      ) : null}
    </Card>
  );
}

export function EndorseCard({ address, name, skills }: { address: string; name: string; skills: { slug: string; name: string }[] }) {
  const s = useSession();
  const catalogue = useAsync(() => s.client.skills(), []);
  const [skill, setSkill] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const theirs = new Set(skills.map((k) => k.slug));
  const others: Skill[] = (catalogue.data?.items ?? []).filter((k) => !theirs.has(k.slug));

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!skill) return;
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      await s.client.endorse(address, skill);
      const n = [...skills, ...others].find((k) => k.slug === skill)?.name ?? skill;
      setDone(E.done(name, n));
      setSkill("");
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card aria-labelledby="h-endorse">
      <h2 id="h-endorse" className="text-lg font-semibold">
        {E.title(name)}
      </h2>
      <p className="mt-1 text-sm text-slate-600">{E.sub}</p>
      {s.status !== "signed-in" ? (
        <button type="button" className={cx(btn.secondary, "mt-3")} onClick={s.openSignIn}>
          {E.signIn}
        </button>
      ) : (
        <form onSubmit={submit} className="mt-3 space-y-3">
          <div>
            <label htmlFor="endorse-skill" className={label}>
              {E.skill}
            </label>
            <select id="endorse-skill" className={cx(input, "mt-1")} value={skill} onChange={(e) => setSkill(e.target.value)} required>
              <option value="">{E.choose}</option>
              {skills.length > 0 && (
                <optgroup label={E.theirs}>
                  {skills.map((k) => (
                    <option key={k.slug} value={k.slug}>
                      {k.name}
                    </option>
                  ))}
                </optgroup>
              )}
              {others.length > 0 && (
                <optgroup label={E.others}>
                  {others.map((k) => (
                    <option key={k.slug} value={k.slug}>
                      {k.name}
                    </option>
                  ))}
                </optgroup>
              )}
            </select>
          </div>
          <button type="submit" className={btn.primary} disabled={busy || !skill}>
            {busy ? E.endorsing : E.endorse}
          </button>
          {done && (
            <p role="status" className="text-sm text-emerald-800">
              {done}
            </p>
          )}
          {error && <ErrorNotice error={error} title={E.failed} hint={REFUSALS[error.code] ?? undefined} />}
        </form>
      )}
    </Card>
  );
}
