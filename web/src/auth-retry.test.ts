import { describe, expect, it } from "vitest";
import { ApiError, createClient, type Credentials } from "./api";

interface Call {
  url: string;
  init: RequestInit;
}

/** A server that refuses the given bearer tokens with 401 and answers the rest. */
function server(refused: Set<string>, calls: Call[]) {
  return (async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const auth = (init?.headers as Record<string, string>)?.Authorization ?? "";
    if (auth && refused.has(auth.slice(7)))
      return new Response(JSON.stringify({ error: { code: "AUTH002", message: "token refused", details: {} } }), { status: 401 });
    return new Response(JSON.stringify({ items: [], nextCursor: null }), { status: 200 });
  }) as typeof fetch;
}

describe("a refused credential", () => {
  it("is refreshed and the call retried with the new one", async () => {
    const calls: Call[] = [];
    let token = "old";
    const seen: Credentials[] = [];
    const c = createClient({
      fetch: server(new Set(["old"]), calls),
      credentials: () => ({ bearer: token }),
      onRefused: async (sent) => {
        seen.push(sent);
        token = "new";
        return { bearer: token };
      },
    });
    await c.tasks();
    expect(seen).toEqual([{ bearer: "old" }]);
    expect(calls.map((x) => (x.init.headers as Record<string, string>).Authorization)).toEqual(["Bearer old", "Bearer new"]);
  });

  it("is dropped and a public call retried anonymously, without cookies", async () => {
    const calls: Call[] = [];
    const c = createClient({ fetch: server(new Set(["stale"]), calls), credentials: () => ({ bearer: "stale" }), onRefused: async () => null });
    const page = await c.skills();
    expect(page.items).toEqual([]);
    expect(calls.length).toBe(2);
    expect((calls[1].init.headers as Record<string, string>).Authorization).toBeUndefined();
    expect(calls[1].init.credentials).toBe("omit");
  });

  it("is retried once only: a second refusal is the caller's error", async () => {
    const calls: Call[] = [];
    const c = createClient({ fetch: server(new Set(["a", "b"]), calls), credentials: () => ({ bearer: "a" }), onRefused: async () => ({ bearer: "b" }) });
    const err = await c.me().catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe("AUTH002");
    expect(calls.length).toBe(2);
  });

  it("cookie sessions send cookies and echo the CSRF token on writes only", async () => {
    const calls: Call[] = [];
    const c = createClient({ fetch: server(new Set(), calls), credentials: () => ({ cookie: { csrf: "c".repeat(43) } }) });
    await c.tasks();
    await c.joinGuild("g");
    expect(calls[0].init.credentials).toBe("same-origin");
    expect((calls[0].init.headers as Record<string, string>)["X-CSRF-Token"]).toBeUndefined();
    expect((calls[1].init.headers as Record<string, string>)["X-CSRF-Token"]).toBe("c".repeat(43));
  });

  it("anonymous calls never send cookies", async () => {
    const calls: Call[] = [];
    await createClient({ fetch: server(new Set(), calls) }).tasks();
    expect(calls[0].init.credentials).toBe("omit");
  });
});
