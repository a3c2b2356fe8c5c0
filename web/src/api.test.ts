import { describe, expect, it } from "vitest";
import { ApiError, createClient, queryString } from "./api";

interface Call {
  url: string;
  init: RequestInit;
}

function fakeFetch(status: number, body: unknown, calls: Call[] = []) {
  const f = async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const text = typeof body === "string" ? body : JSON.stringify(body);
    return new Response(status === 204 ? null : text, { status, headers: { "Content-Type": "application/json" } });
  };
  return f as typeof fetch;
}

describe("api client", () => {
  it("builds list URLs with filters and cursors, skipping empty values", async () => {
    const calls: Call[] = [];
    const c = createClient({ baseUrl: "http://h:1/", fetch: fakeFetch(200, { items: [], nextCursor: null }, calls) });
    await c.tasks({ type: "BOUNTY", skill: "react", difficulty: 5, status: undefined }, "AAAAAAAAAAg");
    expect(calls[0].url).toBe("http://h:1/api/v1/tasks?type=BOUNTY&skill=react&difficulty=5&cursor=AAAAAAAAAAg");
    expect(calls[0].init.method).toBe("GET");
    expect(queryString({ a: "", b: null, c: undefined })).toBe("");
  });

  it("sends the bearer key and a JSON body on writes", async () => {
    const calls: Call[] = [];
    const sub = { id: 1, taskId: 2, author: "0x", text: "t", evidence: [], state: "SUBMITTED", finalScore: null, feedback: "", createdAt: null, updatedAt: null };
    const c = createClient({ token: () => "phk_test", fetch: fakeFetch(201, sub, calls) });
    const got = await c.submit(2, { text: "t", evidence: [{ type: "link", url: "https://x.org" }] });
    expect(got.id).toBe(1);
    expect(calls[0].url).toBe("/api/v1/tasks/2/submissions");
    const h = calls[0].init.headers as Record<string, string>;
    expect(h.Authorization).toBe("Bearer phk_test");
    expect(h["Content-Type"]).toBe("application/json");
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ text: "t", evidence: [{ type: "link", url: "https://x.org" }] });
  });

  it("sends no Authorization header without a key, and escapes path parts", async () => {
    const calls: Call[] = [];
    const c = createClient({ token: () => null, fetch: fakeFetch(200, {}, calls) });
    await c.guild("a/b?c");
    expect(calls[0].url).toBe("/api/v1/guilds/a%2Fb%3Fc");
    expect((calls[0].init.headers as Record<string, string>).Authorization).toBeUndefined();
  });

  it("turns the server's error envelope into an ApiError", async () => {
    const c = createClient({
      fetch: fakeFetch(404, { error: { code: "DATA001", message: "task 9 not found", details: { requestId: "r-1" } } }),
    });
    const e = await c.task(9).catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 404, code: "DATA001", message: "task 9 not found" });
    expect(e.requestId).toBe("r-1");
    expect(e.isAuth).toBe(false);
  });

  it("flags refused credentials", async () => {
    const c = createClient({ fetch: fakeFetch(401, { error: { code: "AUTH002", message: "API key 'phk_x…' is not valid or was revoked" } }) });
    const e: ApiError = await c.me().catch((x) => x);
    expect(e.isAuth).toBe(true);
  });

  it("reports answers that are not the envelope, and network failures", async () => {
    const html = createClient({ fetch: fakeFetch(502, "<html>bad gateway</html>") });
    await expect(html.skills()).rejects.toMatchObject({ code: "HTTP502", status: 502 });
    const down = createClient({
      fetch: (async () => {
        throw new TypeError("fetch failed");
      }) as typeof fetch,
    });
    await expect(down.guilds()).rejects.toMatchObject({ code: "NET000", status: 0 });
  });

  it("returns nothing for 204", async () => {
    const c = createClient({ fetch: fakeFetch(204, null) });
    await expect(c.request("DELETE", "/keys/1")).resolves.toBeUndefined();
  });
});
