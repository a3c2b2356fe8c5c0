// Typed client for PHEME's REST API (/api/v1). Shapes follow src/api/common.c on the server
// (api_task_json, api_user_json, …). Every failure becomes an ApiError carrying the server's
// {"error":{"code","message","details"}}, or a client-side code (NET000, HTTP<status>).

export type TaskType = "LESSON" | "BOUNTY" | "QUEST";
export type TaskStatus = "DRAFT" | "OPEN" | "CLOSED";
export type SkillDomain = "technical" | "creative" | "business";
export type GuildType = "SKILL" | "GEO" | "INTEREST";
export type GuildRole = "OWNER" | "MEMBER";
export type EvidenceType = "link" | "repository" | "image" | "video" | "document";
export type Role = "user" | "creator" | "validator" | "admin";

export interface Page<T> {
  items: T[];
  /** Opaque; pass back as `cursor` for the next page. null on the last page. */
  nextCursor: string | null;
}

export interface User {
  address: string;
  displayName: string;
  bio: string;
  roles: Role[];
  createdAt: string | null;
}

export interface Me extends User {
  authenticatedBy: string;
  /** What this credential may do: an API key acts with its own role (server 2026-12 and newer). */
  callerRoles?: Role[];
  /** The API key's role; null for a wallet session. */
  keyRole?: Role | null;
}

/** The roles the app acts with: the credential's when the server says them, else the person's. */
export function actingRoles(me: Me): Role[] {
  return me.callerRoles ?? me.roles;
}

/** POST /content: a stored file, named by its CID (served at /ipfs/<cid>). */
export interface StoredContent {
  cid: string;
  size: number;
  mediaType: string;
}

/** GET /me/keys: one of the caller's API keys (never the key itself). */
export interface ApiKey {
  id: number;
  owner: string;
  prefix: string;
  role: Role;
  label: string;
  createdAt: string | null;
  revokedAt: string | null;
}

/** GET /webhooks: one of the caller's webhooks (the secret only in the answer that made it). */
export interface Webhook {
  id: number;
  url: string;
  events: string[];
  active: boolean;
  secret?: string;
  createdAt: string | null;
  updatedAt: string | null;
}

/** GET /stats: the site in figures. */
export interface SiteStats {
  openTasks: number;
  people: number;
  guilds: number;
  skills: number;
  quests: number;
}

export type JobState = "queued" | "running" | "done" | "dead";

/** GET /admin/jobs: one background job. */
export interface Job {
  id: number;
  kind: string;
  state: JobState;
  attempts: number;
  maxAttempts: number;
  runAt: string | null;
  leaseOwner: string | null;
  lastError: string | null;
  idempotencyKey: string | null;
  payload: unknown;
  createdAt: string | null;
  updatedAt: string | null;
}

/** GET /admin/jobs/stats: the queue by kind and this node's job runs by outcome. */
export interface JobStats {
  runs: { done: number; retried: number; dead: number; lost: number };
  kinds: { kind: string; queued: number; running: number; dead: number; retrying: number; oldestQueuedAt: string | null }[];
}

export interface TaskSkill {
  skill: string;
  minLevel: number;
}

export interface RubricCriterion {
  criterion: string;
  weight: number;
  description?: string;
}

export interface TaskRequirements {
  minReputation?: number;
  minLevel?: number;
}

export interface TaskValidation {
  rubric?: RubricCriterion[];
  aiReview?: boolean;
  peerReview?: boolean;
  evidenceTypes?: string[];
  minScore?: number;
  minValidators?: number;
  consensusThreshold?: number;
}

export interface Task {
  id: number;
  type: TaskType;
  title: string;
  description: string;
  difficulty: number;
  xpReward: number;
  /** Wei, as a decimal string. */
  tokenReward: string;
  status: TaskStatus;
  creator: string;
  guildId: number | null;
  deadline: string | null;
  skills: TaskSkill[];
  requirements: TaskRequirements;
  validation: TaskValidation;
  createdAt: string | null;
  updatedAt: string | null;
}

export interface Evidence {
  type: EvidenceType;
  url: string;
  description?: string;
}

export interface Submission {
  id: number;
  taskId: number;
  author: string;
  text: string;
  evidence: Evidence[];
  state: string;
  finalScore: number | null;
  feedback: string;
  createdAt: string | null;
  updatedAt: string | null;
}

export interface Skill {
  slug: string;
  name: string;
  domain: SkillDomain;
  description: string;
  parent: string | null;
}

export interface Guild {
  id: number;
  slug: string;
  name: string;
  type: GuildType;
  description: string;
  memberCount: number;
  createdAt: string | null;
}

export interface GuildMember {
  address: string;
  displayName: string;
  role: GuildRole;
  joinedAt: string | null;
}

export interface WalletSkill {
  slug: string;
  name: string;
  domain: SkillDomain;
  xp: number;
  level: number;
  lastValidated: string | null;
}

export interface WalletBadge {
  id: number;
  slug: string;
  name: string;
  rarity: "COMMON" | "RARE" | "EPIC" | "LEGENDARY";
  soulbound: boolean;
  awardedAt: string | null;
}

export interface WalletGuild {
  slug: string;
  name: string;
  type: GuildType;
  role: GuildRole;
}

/** The on-chain part of a Skill Wallet, as the server's indexer saw it (src/api/onchain.c).
 *  Amounts are wei as decimal strings; entity data values are JSON as the projection wrote them. */
export interface OnchainWallet {
  chainId: number;
  indexedBlock: number | null;
  skillWallet: {
    tokenId: string;
    skills: { skillId: string; definition: { name?: unknown } | null; progress: { level?: unknown; xp?: unknown } }[];
    endorsementsReceived: number;
  } | null;
  badges: { id: string; balance: string }[];
  revokedBadges: { amount: string; revocation: Record<string, unknown> }[];
  reputation: { score?: unknown; round?: unknown } | null;
  tokenBalance: string;
  stake: string;
}

export interface Wallet {
  address: string;
  profile: User;
  xp: number;
  level: string;
  skills: WalletSkill[];
  badges: WalletBadge[];
  guilds: WalletGuild[];
  /** null when the server follows no chain; absent on servers without the on-chain views. */
  onchain?: OnchainWallet | null;
}

export interface LinkedWallet {
  address: string;
  primary: boolean;
  linkedAt: string | null;
}

export interface TimelineEvent {
  event: string;
  from: string | null;
  to: string;
  actor: string;
  at: string | null;
  detail: Record<string, unknown>;
}

export interface Assessment {
  assessor: string;
  model: string;
  ok: boolean;
  scores: { criterion?: string; score?: number; reason?: string }[];
  overall: number | null;
  confidence: number | null;
  feedback: string;
  reason: string;
  at: string | null;
}

export interface Review {
  id: number;
  round: number;
  validator: string;
  score: number;
  criteria: { criterion?: string; score?: number }[];
  feedback: string;
  signature: string;
  signer: string;
  at: string | null;
}

export interface Dispute {
  id: number;
  round: number;
  reason: string;
  disputed: string;
  firstScore: number | null;
  outcome: string | null;
  finalScore: number | null;
  openedAt: string | null;
  resolvedAt: string | null;
}

/** GET /submissions/:id: the submission with everything that happened to it. */
export interface SubmissionView extends Submission {
  round: number;
  timeline: TimelineEvent[];
  assessments: Assessment[];
  panel: { round: number; validator: string }[];
  reviews: Review[];
  disputes: Dispute[];
  outcome: { taskId: number; finalScore: number; skills: unknown; createdAt: string | null; consumed: boolean } | null;
}

export interface ValidatorQueue {
  validator: { id: number; address: string; stake: string; domains: string[]; status: string; accuracy: number; outlierStreak: number; slashingCandidate: boolean };
  domain: { name: string; version: string; chainId: number; verifyingContract: string };
  items: (Submission & { round: number })[];
}

/** GET /me/progress (docs/rewards.md). */
export interface Progress {
  xp: number;
  level: string;
  xpToNextLevel: number;
  skills: { slug: string; name: string; domain: SkillDomain; xp: number; level: number; xpToNextLevel: number; lastValidated: string | null }[];
  domains: { domain: SkillDomain; xp: number }[];
  streak: { days: number; longest: number; multiplierPct: number; nextDeadline: string | null; utcOffsetMinutes: number };
  guilds: { slug: string; name: string; guildXp: number; guildLevel: number; multiplierPct: number; contributed: number }[];
  quests: unknown[];
}

/** GET /reputation/:address. Scores are points 0-100 with six decimals. */
export interface Reputation {
  address: string;
  score: number;
  domains?: Record<string, number>;
  formula?: string;
  asOf?: string;
  computed: boolean;
}

/** GET /reputation/:address/explain: the receipt (docs/reputation.md, Receipts). */
export interface Receipt {
  formula: string;
  asOf: string | number;
  params?: Record<string, unknown>;
  inputs?: Record<string, unknown>;
  intermediates?: Record<string, unknown>;
  score: unknown;
  inputsDigest?: string;
  previous?: unknown;
  diff?: Record<string, unknown> | null;
  [k: string]: unknown;
}

export interface ReputationChange {
  id: number;
  score: number;
  previous: number | null;
  formula: string;
  inputsDigest: string;
  asOf: string | null;
  receipt: Receipt | null;
}

export interface Recommendation {
  task: Task;
  score: number;
  growth: number;
  closeness: number;
  yourLevel: number;
  reasons: string;
}

export type BoardKind = "global" | "skill" | "guild" | "season";

export interface BoardRow {
  rank: number;
  address: string;
  displayName: string;
  xp: number;
}

export interface Board {
  board: BoardKind | "guilds";
  skill?: unknown;
  guild?: unknown;
  guildXp?: number;
  guildRank?: number | null;
  season?: { id: number; slug: string; name: string; startsAt: string | null; endsAt: string | null };
  total: number;
  items: BoardRow[];
  nextCursor: string | null;
}

export interface GuildBoardRow {
  rank: number;
  slug: string;
  name: string;
  xp: number;
  [k: string]: unknown;
}

export interface Season {
  id: number;
  slug: string;
  name: string;
  startsAt: string | null;
  endsAt: string | null;
  status: string;
}

export interface BadgeType {
  id: number;
  slug: string;
  name: string;
  description: string;
  rarity: "COMMON" | "RARE" | "EPIC" | "LEGENDARY";
  soulbound: boolean;
  maxSupply: number;
  supply: number;
  issuance: string;
  active: boolean;
  [k: string]: unknown;
}

export type AwardStatus = "claimable" | "claimed" | "minted" | "revoked" | "expired" | string;

export interface BadgeAward {
  id: number;
  badge: BadgeType;
  holder: string;
  awardedAt: string | null;
  expiresAt: string | null;
  submissionId: number | null;
  status: AwardStatus;
  mintState: string | null;
  claimedBlock: number | null;
  revokedAt: string | null;
  revokeReason: string | null;
}

/** GET /me/badges/:id/voucher: what PhemeBadges.claim takes (contracts/signing.json badgeVoucher). */
export interface BadgeVoucher {
  [k: string]: unknown;
}

export interface Endorsement {
  id: number;
  from: string;
  to: string;
  skill: string;
  weight: number;
  source: string;
  createdAt: string | null;
}

export interface ChainStatus {
  configured: boolean;
  reachable: boolean;
  chainId: number | string | null;
}

/** GET /quests: a quest chain; `done`/`locked` and `progress` only for a signed-in caller. */
export interface QuestStep {
  position: number;
  taskId: number;
  title: string;
  done?: boolean;
  locked?: boolean;
}

export interface Quest {
  id: number;
  slug: string;
  name: string;
  description: string;
  xpReward: number;
  steps: QuestStep[];
  requires: string[];
  progress?: { stepsDone: number; steps: number; completedAt: string | null };
  createdAt: string | null;
}

/** GET /tasks/:id/candidates (docs/api.md, Matching). */
export interface Candidate {
  userId: number;
  address: string;
  fit: number;
  fitParts: { skill: number; reputation: number; activity: number };
  skills: { skill: string; level: number; minLevel: number }[];
  reputation: number;
  level: number;
  lastActiveAt: string | null;
  reasons: string;
}

export interface AssignProposal {
  id: number;
  status: "PROPOSED" | "CONFIRMED" | "STALE" | string;
  creatorId: number;
  totalFit: number;
  bounties: number;
  applicants: number;
  pairs: { taskId: number; userId: number; address: string; fit: number }[];
  createdAt: string | null;
  confirmedAt: string | null;
}

export interface TaskWrite {
  type?: TaskType;
  title?: string;
  description?: string;
  difficulty?: number;
  xpReward?: number;
  tokenReward?: string;
  status?: "DRAFT" | "OPEN";
  deadline?: string;
  guild?: string;
  skills?: TaskSkill[];
  requirements?: TaskRequirements;
  validation?: TaskValidation;
}

/** GET /staking/:address: the address's stake and votes as indexed from the chain (wei strings). */
export interface StakingView {
  address: string;
  chainId: number;
  indexedBlock: number | null;
  stake: string;
  staking: { staked?: string; locked?: string; pending?: string; readyAt?: string | number; withdrawn?: string; rewardsPaid?: string; [k: string]: unknown };
  tokenBalance: string;
  tokenVotes: string;
  delegation: { delegate?: string } | null;
  rewardsClaimed: string;
  rewardClaims: unknown[];
  validator: { slashed: string; registry: { status?: string; registeredStake?: string } | null } | null;
}

export interface ProposalData {
  description?: string;
  proposer?: string;
  status?: string;
  voteStart?: string | number;
  voteEnd?: string | number;
  for?: string;
  against?: string;
  abstain?: string;
  voters?: string | number;
  eta?: string | number;
  [k: string]: unknown;
}

export interface Proposal {
  id: string;
  proposer: string | null;
  proposal: ProposalData;
  updatedBlock: number;
}

export interface ProposalVote {
  voter: string;
  /** The reputation-weighted weight counted in the tally. */
  weight: string;
  vote: { support?: string; reason?: string; rawWeight?: string; reputation?: string | number };
}

/** GET /chain/status (the parts the pages use). */
export interface ChainDetail extends ChainStatus {
  head?: { number: number; timestamp: string | null } | null;
  manifest?: { contracts?: Record<string, { address: string; hasCode: boolean }> } | null;
  indexer?: { block: number | null; lag: number | null } | null;
}

/** GET /admin/validators */
export interface ValidatorStanding {
  id: number;
  address: string;
  stake: string;
  domains: string[];
  status: string;
  accuracy: number;
  outlierStreak: number;
  slashingCandidate: boolean;
}

export interface TaskFilter {
  type?: TaskType;
  skill?: string;
  difficulty?: number;
  minDifficulty?: number;
  maxDifficulty?: number;
  status?: TaskStatus;
  creator?: string;
}

export interface SubmissionCreate {
  text: string;
  evidence?: Evidence[];
}

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown>;

  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }

  get requestId(): string | undefined {
    const id = this.details.requestId;
    return typeof id === "string" ? id : undefined;
  }

  /** The credentials were refused (bad, revoked or missing API key). */
  get isAuth(): boolean {
    return this.status === 401 || this.code.startsWith("AUTH");
  }
}

/** What a request carries to prove who is calling. */
export interface Credentials {
  /** Sent as `Authorization: Bearer …` (an API key, or a wallet session's access token). */
  bearer?: string;
  /** The session lives in the server's `__Host-` cookies: send them, and echo the CSRF token
   *  on unsafe methods. */
  cookie?: { csrf: string | null };
}

export interface ClientOptions {
  /** Origin (and optional prefix) of the server; "" for the page's own origin. */
  baseUrl?: string;
  /** Returns the bearer credential to send, or null for anonymous calls. */
  token?: () => string | null;
  /** Returns the credentials to send (wins over `token`), or null for anonymous calls. */
  credentials?: () => Credentials | null;
  /** Called when the server refused the credentials a request carried (401). It refreshes the
   *  session or drops it, and answers the credentials to retry with (null: retry anonymously).
   *  A request is retried once; a public page therefore never fails because of a stale token. */
  onRefused?: (sent: Credentials) => Promise<Credentials | null>;
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | undefined | null>;

export function queryString(q: Query): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v !== undefined && v !== null && v !== "") p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : "";
}

export function createClient(opts: ClientOptions = {}) {
  const base = (opts.baseUrl ?? "").replace(/\/+$/, "");
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  function current(): Credentials | null {
    if (opts.credentials) return opts.credentials();
    const t = opts.token?.();
    return t ? { bearer: t } : null;
  }

  async function send<T>(method: string, path: string, body: unknown, creds: Credentials | null, raw?: Blob, rawType?: string): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (creds?.bearer) headers.Authorization = `Bearer ${creds.bearer}`;
    if (creds?.cookie && method !== "GET" && creds.cookie.csrf) headers["X-CSRF-Token"] = creds.cookie.csrf;
    if (raw !== undefined) headers["Content-Type"] = rawType || "application/octet-stream";
    else if (body !== undefined) headers["Content-Type"] = "application/json";
    let res: Response;
    try {
      res = await doFetch(`${base}/api/v1${path}`, {
        method,
        headers,
        // Cookies go only with a cookie session: a stale cookie never reaches a public page.
        credentials: creds?.cookie ? "same-origin" : "omit",
        body: raw !== undefined ? raw : body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(0, "NET000", `The PHEME server could not be reached (${(e as Error).message || "network error"}).`);
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let data: unknown = undefined;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = undefined;
      }
    }
    if (!res.ok) {
      const err = (data as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
      if (err && typeof err.code === "string" && typeof err.message === "string") {
        const details = err.details && typeof err.details === "object" ? (err.details as Record<string, unknown>) : {};
        throw new ApiError(res.status, err.code, err.message, details);
      }
      throw new ApiError(res.status, `HTTP${res.status}`, `The server answered ${res.status} ${res.statusText || ""}`.trim() + ".");
    }
    if (data === undefined) {
      throw new ApiError(res.status, "HTTP_BODY", "The server's answer was not JSON.");
    }
    return data as T;
  }

  /** One call; when the server refuses the credentials it carried, the session is refreshed or
   *  dropped (onRefused) and the call is made once more. */
  async function request<T>(method: string, path: string, body?: unknown, raw?: Blob, rawType?: string): Promise<T> {
    const creds = current();
    try {
      return await send<T>(method, path, body, creds, raw, rawType);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401 || !creds || !opts.onRefused) throw e;
      const next = await opts.onRefused(creds);
      return send<T>(method, path, body, next, raw, rawType);
    }
  }

  /** POST /content with the file as the body, telling how much was sent (XMLHttpRequest: fetch
   *  cannot report an upload's progress). */
  function uploadOnce(file: Blob, type: string, creds: Credentials | null, onProgress?: (sent: number, total: number) => void): Promise<StoredContent> {
    if (typeof XMLHttpRequest === "undefined") return send<StoredContent>("POST", "/content", undefined, creds, file, type);
    return new Promise((resolve, reject) => {
      const x = new XMLHttpRequest();
      x.open("POST", `${base}/api/v1/content`);
      x.setRequestHeader("Accept", "application/json");
      x.setRequestHeader("Content-Type", type);
      if (creds?.bearer) x.setRequestHeader("Authorization", `Bearer ${creds.bearer}`);
      if (creds?.cookie?.csrf) x.setRequestHeader("X-CSRF-Token", creds.cookie.csrf);
      x.withCredentials = !!creds?.cookie;
      if (onProgress) x.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
      x.onerror = () => reject(new ApiError(0, "NET000", "The PHEME server could not be reached (network error)."));
      x.onload = () => {
        let data: { error?: { code?: string; message?: string } } & Partial<StoredContent> = {};
        try {
          data = JSON.parse(x.responseText);
        } catch {
          /* not JSON */
        }
        if (x.status >= 200 && x.status < 300 && data.cid) return resolve(data as StoredContent);
        const err = data.error;
        reject(err?.code && err.message ? new ApiError(x.status, err.code, err.message) : new ApiError(x.status, `HTTP${x.status}`, `The server answered ${x.status}.`));
      };
      x.send(file);
    });
  }

  async function upload(file: Blob, onProgress?: (sent: number, total: number) => void): Promise<StoredContent> {
    const type = file.type || "application/octet-stream";
    const creds = current();
    try {
      return await uploadOnce(file, type, creds, onProgress);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401 || !creds || !opts.onRefused) throw e;
      return uploadOnce(file, type, await opts.onRefused(creds), onProgress);
    }
  }

  const enc = encodeURIComponent;

  return {
    request,
    me: () => request<Me>("GET", "/me"),
    upload,
    updateMe: (body: { displayName?: string; bio?: string }) => request<User>("PATCH", "/me", body),
    myKeys: (cursor?: string) => request<Page<ApiKey>>("GET", `/me/keys${queryString({ cursor })}`),
    revokeKey: (id: number) => request<void>("DELETE", `/keys/${id}`),
    webhooks: (cursor?: string) => request<Page<Webhook>>("GET", `/webhooks${queryString({ cursor })}`),
    createWebhook: (url: string, events: string[]) => request<Webhook>("POST", "/webhooks", { url, events }),
    deleteWebhook: (id: number) => request<void>("DELETE", `/webhooks/${id}`),
    mySubmissions: (cursor?: string) => request<Page<Submission>>("GET", `/me/submissions${queryString({ cursor })}`),

    users: (cursor?: string, role?: Role) => request<Page<User>>("GET", `/users${queryString({ role, cursor })}`),
    stats: () => request<SiteStats>("GET", "/stats"),
    jobs: (filter: { state?: JobState; kind?: string } = {}, cursor?: string) => request<Page<Job>>("GET", `/admin/jobs${queryString({ ...filter, cursor })}`),
    jobStats: () => request<JobStats>("GET", "/admin/jobs/stats"),
    retryJob: (id: number) => request<Job>("POST", `/admin/jobs/${id}/retry`),
    user: (address: string) => request<User>("GET", `/users/${enc(address)}`),
    wallet: (address: string) => request<Wallet>("GET", `/wallets/${enc(address)}`),

    skills: (domain?: SkillDomain) => request<{ items: Skill[] }>("GET", `/skills${queryString({ domain })}`),
    skill: (slug: string) => request<Skill>("GET", `/skills/${enc(slug)}`),

    tasks: (filter: TaskFilter = {}, cursor?: string, limit?: number) =>
      request<Page<Task>>("GET", `/tasks${queryString({ ...filter, cursor, limit })}`),
    task: (id: number | string) => request<Task>("GET", `/tasks/${enc(String(id))}`),
    submit: (taskId: number | string, body: SubmissionCreate) =>
      request<Submission>("POST", `/tasks/${enc(String(taskId))}/submissions`, body),
    submission: (id: number | string) => request<Submission>("GET", `/submissions/${enc(String(id))}`),

    guilds: (type?: GuildType, cursor?: string) => request<Page<Guild>>("GET", `/guilds${queryString({ type, cursor })}`),
    guild: (slug: string) => request<Guild>("GET", `/guilds/${enc(slug)}`),
    guildMembers: (slug: string, cursor?: string) =>
      request<Page<GuildMember>>("GET", `/guilds/${enc(slug)}/members${queryString({ cursor })}`),
    createGuild: (body: { slug: string; name: string; type: GuildType; description?: string }) => request<Guild>("POST", "/guilds", body),
    joinGuild: (slug: string) => request<Guild>("POST", `/guilds/${enc(slug)}/join`),
    leaveGuild: (slug: string) => request<Guild>("POST", `/guilds/${enc(slug)}/leave`),

    submissionView: (id: number | string) => request<SubmissionView>("GET", `/submissions/${enc(String(id))}`),
    dispute: (id: number | string, reason: string) => request<SubmissionView>("POST", `/submissions/${enc(String(id))}/disputes`, { reason }),
    postReview: (id: number | string, body: unknown) => request<SubmissionView>("POST", `/submissions/${enc(String(id))}/reviews`, body),
    validatorQueue: () => request<ValidatorQueue>("GET", "/validators/me/queue"),
    progress: () => request<Progress>("GET", "/me/progress"),
    setTimeZone: (utcOffsetMinutes: number) => request<unknown>("PUT", "/me/time-zone", { utcOffsetMinutes }),
    recommendations: (limit = 5) => request<Page<Recommendation>>("GET", `/me/recommendations${queryString({ limit })}`),
    reputation: (address: string) => request<Reputation>("GET", `/reputation/${enc(address)}`),
    explain: (address: string) => request<Receipt>("GET", `/reputation/${enc(address)}/explain`),
    reputationHistory: (address: string, cursor?: string, limit?: number) =>
      request<Page<ReputationChange>>("GET", `/reputation/${enc(address)}/history${queryString({ cursor, limit })}`),
    endorse: (to: string, skill: string) => request<Endorsement>("POST", "/endorsements", { address: to, skill }),
    board: (kind: BoardKind, slug: string | number | undefined, opts: { limit?: number; cursor?: string; around?: string } = {}) =>
      request<Board>("GET", `/leaderboards/${kind === "global" ? "global" : `${kind === "skill" ? "skills" : kind === "guild" ? "guilds" : "seasons"}/${enc(String(slug ?? ""))}`}${queryString(opts)}`),
    guildBoard: (cursor?: string, limit?: number) => request<{ total: number; items: GuildBoardRow[]; nextCursor: string | null }>("GET", `/leaderboards/guilds${queryString({ cursor, limit })}`),
    seasons: () => request<{ items: Season[] }>("GET", "/seasons"),
    badges: () => request<{ items: BadgeType[] }>("GET", "/badges"),
    myBadges: () => request<{ items: BadgeAward[] }>("GET", "/me/badges"),
    badgeVoucher: (awardId: number) => request<BadgeVoucher>("GET", `/me/badges/${awardId}/voucher`),
    createTask: (body: TaskWrite) => request<Task>("POST", "/tasks", body),
    updateTask: (id: number | string, body: TaskWrite) => request<Task>("PATCH", `/tasks/${enc(String(id))}`, body),
    closeTask: (id: number | string) => request<Task>("POST", `/tasks/${enc(String(id))}/close`),
    candidates: (id: number | string, cursor?: string) =>
      request<{ taskId: number; items: Candidate[]; nextCursor: string | null }>("GET", `/tasks/${enc(String(id))}/candidates${queryString({ cursor })}`),
    taskSubmissions: (id: number | string, cursor?: string) => request<Page<Submission>>("GET", `/tasks/${enc(String(id))}/submissions${queryString({ cursor })}`),
    proposeAssignment: (appliedOnly = false) => request<AssignProposal>("POST", "/tasks/assign", { appliedOnly }),
    confirmAssignment: (id: number) => request<AssignProposal>("POST", `/tasks/assign/${id}/confirm`),
    quests: () => request<{ items: Quest[] }>("GET", "/quests"),
    quest: (id: number | string) => request<Quest>("GET", `/quests/${enc(String(id))}`),
    staking: (address: string) => request<StakingView>("GET", `/staking/${enc(address)}`),
    proposals: (cursor?: string) => request<Page<Proposal>>("GET", `/governance/proposals${queryString({ cursor })}`),
    proposal: (id: string) => request<{ chainId: number; indexedBlock: number | null; proposal: Proposal; votes: ProposalVote[] }>("GET", `/governance/proposals/${enc(id)}`),
    chainDetail: () => request<ChainDetail>("GET", "/chain/status"),
    adminValidators: (candidatesOnly = false) => request<{ items: ValidatorStanding[] }>("GET", `/admin/validators${candidatesOnly ? "?candidates=1" : ""}`),
    slash: (address: string, body: { amount: string; burn: boolean; reason: string }) =>
      request<{ intentId: number; kind: string; state: string }>("POST", `/admin/validators/${enc(address)}/slash`, body),
    grantRole: (address: string, role: Role) => request<User>("POST", `/admin/users/${enc(address)}/roles`, { role }),
    revokeRole: (address: string, role: Role) => request<User>("DELETE", `/admin/users/${enc(address)}/roles/${enc(role)}`),
    chainStatus: () => request<ChainStatus>("GET", "/chain/status"),
    myWallets: () => request<{ items: LinkedWallet[]; payoutAddress: string | null }>("GET", "/me/wallets"),
    setPayout: (address: string) => request<unknown>("PUT", "/me/payout", { address }),
    unlinkWallet: (address: string) => request<void>("DELETE", `/me/wallets/${enc(address)}`),
    linkWallet: (message: string, signature: string) => request<LinkedWallet>("POST", "/me/wallets", { message, signature }),
    linkNonce: (address: string, chainId: number) => request<AuthNonce>("POST", "/auth/nonce", { address, chainId, purpose: "link" }),

    // Sign-in calls carry exactly the credentials given: never retried, never refreshed.
    authNonce: (address: string, chainId: number) => send<AuthNonce>("POST", "/auth/nonce", { address, chainId }, null),
    authVerify: (message: string, signature: string, cookies = false) =>
      // cookie mode: the answer's Set-Cookie is only kept by a request that sends credentials
      cookies ? send<AuthSession>("POST", "/auth/verify", { message, signature, cookies: true }, { cookie: { csrf: null } })
              : send<AuthSession>("POST", "/auth/verify", { message, signature }, null),
    authRefresh: (refreshToken: string) => send<AuthSession>("POST", "/auth/refresh", { refreshToken }, null),
    /** Cookie mode: the refresh cookie and its CSRF token; the server sets the next pair. */
    authRefreshCookie: (csrf: string) => send<AuthSession>("POST", "/auth/refresh", { cookies: true }, { cookie: { csrf } }),
    logout: (creds?: Credentials | null) => send<void>("POST", "/auth/logout", undefined, creds === undefined ? current() : creds),
  };
}

export type Client = ReturnType<typeof createClient>;

/** POST /auth/nonce: the EIP-4361 message the wallet is asked to sign. */
export interface AuthNonce {
  nonce: string;
  message: string;
  address: string;
  chainId: number;
  expirationTime: string;
}

/** POST /auth/verify and /auth/refresh: a session's tokens. */
export interface AuthSession {
  tokenType: "Bearer" | "cookie";
  /** Bearer mode only. */
  accessToken?: string;
  refreshToken?: string;
  /** Cookie mode only: echoed in X-CSRF-Token (also readable in the __Host-pheme_csrf cookie). */
  csrfToken?: string;
  expiresIn: number;
  sessionId: number | string;
  user: User;
}
