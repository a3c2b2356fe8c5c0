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

export interface Wallet {
  address: string;
  profile: User;
  xp: number;
  level: string;
  skills: WalletSkill[];
  badges: WalletBadge[];
  guilds: WalletGuild[];
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

export interface ClientOptions {
  /** Origin (and optional prefix) of the server; "" for the page's own origin. */
  baseUrl?: string;
  /** Returns the bearer credential to send, or null for anonymous calls. */
  token?: () => string | null;
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

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    const token = opts.token?.();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let res: Response;
    try {
      res = await doFetch(`${base}/api/v1${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
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

  const enc = encodeURIComponent;

  return {
    request,
    me: () => request<Me>("GET", "/me"),
    mySubmissions: (cursor?: string) => request<Page<Submission>>("GET", `/me/submissions${queryString({ cursor })}`),

    users: (cursor?: string) => request<Page<User>>("GET", `/users${queryString({ cursor })}`),
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
    joinGuild: (slug: string) => request<Guild>("POST", `/guilds/${enc(slug)}/join`),
    leaveGuild: (slug: string) => request<Guild>("POST", `/guilds/${enc(slug)}/leave`),

    authNonce: (address: string, chainId: number) => request<AuthNonce>("POST", "/auth/nonce", { address, chainId }),
    authVerify: (message: string, signature: string) => request<AuthSession>("POST", "/auth/verify", { message, signature }),
    authRefresh: (refreshToken: string) => request<AuthSession>("POST", "/auth/refresh", { refreshToken }),
    logout: () => request<void>("POST", "/auth/logout"),
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
  tokenType: "Bearer";
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  sessionId: number;
  user: User;
}
