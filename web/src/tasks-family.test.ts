import { describe, expect, it } from "vitest";
import { createClient, type Skill } from "./api";
import { familyTasks, skillFamily } from "./pages/TasksPage";

const sk = (slug: string, parent: string | null): Skill => ({ slug, name: slug, domain: "technical", description: "", parent });

describe("a skill group's tasks", () => {
  it("a parent skill means itself and every skill below it", () => {
    const all = [sk("smart-contracts", null), sk("solidity", "smart-contracts"), sk("defi", "smart-contracts"), sk("react", "software")];
    expect(skillFamily("smart-contracts", all)).toEqual(["smart-contracts", "solidity", "defi"]);
    expect(skillFamily("react", all)).toEqual(["react"]);
  });

  it("merges each skill's page newest first without repeats, and pages on with each one's cursor", async () => {
    const lists: Record<string, number[]> = { a: [9, 5], b: [8, 5, 2], c: [] };
    const urls: string[] = [];
    const fetch = (async (url: RequestInfo | URL) => {
      const u = new URL(String(url), "http://h");
      urls.push(u.search);
      const slug = u.searchParams.get("skill") ?? "";
      const after = u.searchParams.get("cursor");
      const all = lists[slug].filter((id) => !after || id < Number(after));
      const items = all.slice(0, 2).map((id) => ({ id }));
      const next = all.length > 2 ? String(items[items.length - 1].id) : null;
      return new Response(JSON.stringify({ items, nextCursor: next }), { status: 200 });
    }) as typeof globalThis.fetch;
    const client = createClient({ fetch });
    const p1 = await familyTasks(client, { status: "OPEN" }, ["a", "b", "c"]);
    expect(p1.items.map((t) => t.id)).toEqual([9, 8, 5]);
    expect(p1.nextCursor).not.toBeNull();
    const p2 = await familyTasks(client, { status: "OPEN" }, ["a", "b", "c"], p1.nextCursor!);
    expect(p2.items.map((t) => t.id)).toEqual([2]);
    expect(p2.nextCursor).toBeNull();
    expect(urls.every((q) => q.includes("status=OPEN"))).toBe(true);
  });
});
