// Formatting shared by every page. Token amounts are wei as decimal strings (they can exceed
// 2^53), so they are handled with BigInt only, never Number. Words come from the catalogue, read
// inside functions only (strings.ts imports this module too).
import { strings } from "./strings";

export const TOKEN_SYMBOL = "PHEME";
export const TOKEN_DECIMALS = 18;

const DIGITS = /^[0-9]+$/;

/** Formats an amount in wei as tokens: "250000000000000000000" → "250", "1500000000000000000" → "1.5".
 *  Keeps at most maxFraction fraction digits (cut, not rounded, so nobody is shown more than they
 *  get), groups thousands, and returns "<0.0001" for a tiny non-zero amount. */
export function formatWei(wei: string | bigint, opts: { decimals?: number; maxFraction?: number } = {}): string {
  const decimals = opts.decimals ?? TOKEN_DECIMALS;
  const maxFraction = opts.maxFraction ?? 4;
  let value: bigint;
  if (typeof wei === "bigint") {
    value = wei;
  } else {
    const text = wei.trim();
    if (!DIGITS.test(text)) throw new RangeError(`not an amount in wei: '${wei}'`);
    value = BigInt(text);
  }
  const negative = value < 0n;
  if (negative) value = -value;
  const unit = 10n ** BigInt(decimals);
  const whole = value / unit;
  const rest = value % unit;
  let fraction = decimals > 0 ? rest.toString().padStart(decimals, "0").slice(0, maxFraction) : "";
  fraction = fraction.replace(/0+$/, "");
  if (whole === 0n && fraction === "" && rest > 0n) {
    return `${negative ? "-" : ""}<0.${"0".repeat(Math.max(maxFraction - 1, 0))}1`;
  }
  const grouped = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${grouped}${fraction ? `.${fraction}` : ""}`;
}

/** "250 PHEME", or "No token reward" for zero. */
export function formatReward(wei: string): string {
  try {
    return BigInt(wei) === 0n ? "No token reward" : `${formatWei(wei)} ${TOKEN_SYMBOL}`;
  } catch {
    return "—";
  }
}

export function formatNumber(n: number): string {
  return n.toLocaleString("en-US");
}

export const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

export function isAddress(text: string): boolean {
  return ADDRESS_RE.test(text.trim());
}

/** 0x70997970c51812dc3a010c7d01b50e0d17dc79c8 → 0x7099…79c8 */
export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  return d.toLocaleDateString("en-GB", { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
}

/** Levels by total XP, as the server names them: Novice 0-1000, Advanced 1001-5000,
 *  Expert 5001-10000, Master above. */
export const LEVELS = [
  { name: "Novice", min: 0, max: 1000 },
  { name: "Advanced", min: 1001, max: 5000 },
  { name: "Expert", min: 5001, max: 10000 },
  { name: "Master", min: 10001, max: Infinity },
] as const;

export interface LevelProgress {
  name: string;
  next: string | null;
  /** 0-100: how far through the current level. */
  percent: number;
  /** XP still needed for the next level, or 0 at Master. */
  toNext: number;
}

export function levelProgress(xp: number): LevelProgress {
  const i = Math.max(0, LEVELS.findIndex((l) => xp <= l.max));
  const level = LEVELS[i];
  const next = LEVELS[i + 1];
  if (!next) return { name: level.name, next: null, percent: 100, toNext: 0 };
  const span = level.max - level.min + 1;
  const done = Math.min(Math.max(xp - level.min, 0), span);
  return { name: level.name, next: next.name, percent: Math.round((done / span) * 100), toNext: next.min - xp };
}

export function difficultyLabel(d: number): string {
  const f = strings.format.difficulty;
  return d <= 3 ? f.easy : d <= 6 ? f.medium : d <= 8 ? f.hard : f.expert;
}

/** A level's name (the server's NOVICE, ADVANCED, … or LEVELS' names) in people's words. */
export function levelName(level: string): string {
  return strings.format.levels[level.toUpperCase()] ?? titleCase(level);
}

/** A task's type or status (LESSON, OPEN, …) in people's words. */
export function taskWord(word: string): string {
  return strings.format.taskWords[word] ?? titleCase(word);
}

export function titleCase(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
}

/** A projection's value (a JSON number, or a decimal string) as text; "" when absent. */
export function chainValue(v: unknown): string {
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  if (typeof v === "string" && /^\d+$/.test(v)) return v.replace(/^0+(?=\d)/, "");
  return "";
}

/** A submission's state: its colour here, its words in the catalogue (strings.format.states). */
export const SUBMISSION_STATES: Record<string, { tone: "slate" | "sky" | "violet" | "green" | "red" | "amber" }> = {
  SUBMITTED: { tone: "slate" },
  CHECKING: { tone: "sky" },
  AI_REVIEW: { tone: "violet" },
  PEER_REVIEW: { tone: "violet" },
  APPROVED: { tone: "green" },
  REJECTED: { tone: "red" },
  CHANGES_REQUESTED: { tone: "amber" },
  DISPUTED: { tone: "amber" },
  RESOLVED: { tone: "green" },
  ESCALATED: { tone: "amber" },
};

/** A submission's state in people's words. */
export function stateLabel(state: string): string {
  return strings.format.states[state] ?? titleCase(state.replace(/_/g, " "));
}

/** Parses an amount typed in tokens ("250", "1.5", "1,000") into wei; null when it is not one
 *  (negative, more than `decimals` fraction digits, or not a number at all). */
export function parseTokens(text: string, decimals = TOKEN_DECIMALS): bigint | null {
  const t = text.trim().replace(/,/g, "");
  const m = /^(\d+)(?:\.(\d+))?$/.exec(t);
  if (!m) return null;
  const frac = m[2] ?? "";
  if (frac.length > decimals) return null;
  return BigInt(m[1]) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, "0") || "0");
}
