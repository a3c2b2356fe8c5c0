import { describe, expect, it } from "vitest";
import { ApiError, createClient } from "./api";
import { signInWithWallet, utf8Hex, type Eip1193Provider } from "./siwe";

const ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const MESSAGE = "localhost:4000 wants you to sign in with your Ethereum account:\n" + ADDRESS + "\n\nSign in to PHEME.";

/** A server that answers the nonce and the verify, recording the bodies it got. */
function server(bodies: unknown[]) {
  return (async (url: RequestInfo | URL, init?: RequestInit) => {
    const path = String(url);
    bodies.push(JSON.parse(String(init?.body)));
    const answer = path.endsWith("/auth/nonce")
      ? { nonce: "n", message: MESSAGE, address: ADDRESS, chainId: 31337, expirationTime: "" }
      : { tokenType: "Bearer", accessToken: "at", refreshToken: "rt", expiresIn: 900, sessionId: 7, user: { address: ADDRESS } };
    return new Response(JSON.stringify(answer), { status: 200, headers: { "Content-Type": "application/json" } });
  }) as typeof fetch;
}

/** A wallet on chain 31337 that records what it was asked. */
function wallet(asked: { method: string; params?: unknown[] }[], fail?: unknown): Eip1193Provider {
  return {
    async request(args) {
      asked.push(args);
      if (fail && args.method === "personal_sign") throw fail;
      if (args.method === "eth_requestAccounts") return [ADDRESS];
      if (args.method === "eth_chainId") return "0x7a69";
      if (args.method === "personal_sign") return "0x" + "ab".repeat(65);
      throw new Error(`unexpected ${args.method}`);
    },
  };
}

describe("Sign-In with Ethereum", () => {
  it("asks the wallet for an account and chain, signs the server's message, opens a session", async () => {
    const bodies: unknown[] = [];
    const asked: { method: string; params?: unknown[] }[] = [];
    const s = await signInWithWallet(createClient({ fetch: server(bodies) }), wallet(asked));
    expect(bodies[0]).toEqual({ address: ADDRESS, chainId: 31337 });
    expect(asked.map((a) => a.method)).toEqual(["eth_requestAccounts", "eth_chainId", "personal_sign"]);
    expect(asked[2].params).toEqual([utf8Hex(MESSAGE), ADDRESS]);
    expect(bodies[1]).toEqual({ message: MESSAGE, signature: "0x" + "ab".repeat(65) });
    expect(s.accessToken).toBe("at");
    expect(s.refreshToken).toBe("rt");
    expect(s.address).toBe(ADDRESS);
  });

  it("writes the message as the hex of its UTF-8 bytes", () => {
    expect(utf8Hex("Aé\n")).toBe("0x41c3a90a");
  });

  it("turns a declined signature into a clear error and sends no verify", async () => {
    const bodies: unknown[] = [];
    const err = await signInWithWallet(createClient({ fetch: server(bodies) }), wallet([], { code: 4001, message: "User rejected" })).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe("WALLET_REJECTED");
    expect(bodies.length).toBe(1); /* the nonce only */
  });
});
