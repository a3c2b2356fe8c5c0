import { describe, expect, it } from "vitest";
import { matchRoute } from "./router";
import { stepState } from "./pages/QuestsPage";
import { navLinks } from "./components/Layout";
import { strings } from "./strings";
import { slugOf } from "./pages/GuildsPage";

describe("routes of the new pages", () => {
  it("matches the landing page, quests, the creator console, staking, governance and admin", () => {
    expect(matchRoute("/")).toEqual({ name: "landing" });
    expect(matchRoute("/tasks")).toEqual({ name: "tasks" });
    expect(matchRoute("/quests")).toEqual({ name: "quests" });
    expect(matchRoute("/quests/4")).toEqual({ name: "quest", id: "4" });
    expect(matchRoute("/create")).toEqual({ name: "create" });
    expect(matchRoute("/create/new")).toEqual({ name: "createTask", id: null });
    expect(matchRoute("/create/12")).toEqual({ name: "createTask", id: "12" });
    expect(matchRoute("/staking")).toEqual({ name: "staking" });
    expect(matchRoute("/governance")).toEqual({ name: "governance" });
    expect(matchRoute("/governance/123456789012345678901234567890")).toEqual({ name: "proposal", id: "123456789012345678901234567890" });
    expect(matchRoute("/admin")).toEqual({ name: "admin" });
    expect(matchRoute("/admin/x")).toEqual({ name: "notFound" });
    expect(matchRoute("/staking/x")).toEqual({ name: "notFound" });
  });
});

describe("navigation by role", () => {
  const names = (roles: string[] | null) => navLinks(roles).map((l) => l.to);
  it("shows visitors the public pages only", () => {
    expect(names(null)).toEqual(["/tasks", "/quests", "/guilds", "/skills", "/leaderboards", "/governance"]);
  });
  it("adds the dashboard and staking for everyone signed in, and what each role opens", () => {
    expect(names(["user"])).toEqual(["/dashboard", "/tasks", "/quests", "/guilds", "/skills", "/leaderboards", "/governance", "/staking"]);
    expect(names(["user", "creator"])).toContain("/create");
    expect(names(["user", "creator"])).not.toContain("/admin");
    expect(names(["user", "validator"])).toContain("/review");
    expect(names(["user", "admin"])).toEqual(expect.arrayContaining(["/create", "/review", "/admin"]));
  });
});

describe("quest steps", () => {
  it("reads the server's done and locked flags; without them (a visitor) the state is unknown", () => {
    expect(stepState({ position: 1, taskId: 1, title: "a", done: true, locked: false })).toBe("done");
    expect(stepState({ position: 2, taskId: 2, title: "b", done: false, locked: false })).toBe("open");
    expect(stepState({ position: 3, taskId: 3, title: "c", done: false, locked: true })).toBe("locked");
    expect(stepState({ position: 1, taskId: 1, title: "a" })).toBe("unknown");
  });
});

describe("the string catalogue", () => {
  function* all(v: unknown): Generator<string> {
    if (typeof v === "string") yield v;
    else if (typeof v === "function") {
      const f = v as (...a: unknown[]) => unknown;
      let out: unknown;
      try {
        out = f(1, 2, 3, 4);
      } catch {
        out = f("a", "b", 3, 4); /* a sentence about names, not counts */
      }
      yield String(out);
    }
    else if (Array.isArray(v)) for (const x of v) yield* all(x);
    else if (v && typeof v === "object") for (const x of Object.values(v)) yield* all(x);
  }
  it("holds no developer wording: no routes, commands, codes or HTTP verbs", () => {
    const bad = [...all(strings)].filter((t) => /\/api\/|pheme (serve|key|dev)|\b(GET|POST|PATCH|DELETE|PUT)\b|Bearer|[A-Z]{3,}\d{3}|undefined|NaN/.test(t));
    expect(bad).toEqual([]);
  });
  it("fills values into sentences", () => {
    expect(strings.quests.progress(1, 3)).toBe("1 of 3 steps done");
    expect(strings.quests.steps(1)).toBe("1 step");
    expect(strings.create.rubric.total(90)).toBe("Weights add up to 90");
    expect(strings.admin.granted("admin", "Ada")).toBe("Ada is now an admin.");
  });
});

describe("a guild's web address", () => {
  it("is made from its name: lower case, dashes between words, nothing else", () => {
    expect(slugOf("Night Owls of Lisbon")).toBe("night-owls-of-lisbon");
    expect(slugOf("  Café & Crème! ")).toBe("cafe-creme");
    expect(slugOf("x".repeat(80)).length).toBe(64);
  });
});
