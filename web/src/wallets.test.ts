import { describe, expect, it } from "vitest";
import { ApiError } from "./api";
import { ensureChain } from "./wallets";
import type { Eip1193Provider } from "./siwe";

/** A wallet that knows some chains, is on `chain`, and may decline. */
function wallet(chain: number, knows: number[], asked: string[], decline: string[] = []): Eip1193Provider & { chain: number } {
  const w = {
    chain,
    async request({ method, params }: { method: string; params?: unknown[] }) {
      asked.push(method);
      if (decline.includes(method)) throw Object.assign(new Error("User rejected"), { code: 4001 });
      const want = Number.parseInt(String((params?.[0] as { chainId?: string } | undefined)?.chainId), 16);
      if (method === "eth_chainId") return `0x${w.chain.toString(16)}`;
      if (method === "wallet_switchEthereumChain") {
        if (!knows.includes(want)) throw Object.assign(new Error("Unrecognized chain"), { code: 4902 });
        w.chain = want;
        return null;
      }
      if (method === "wallet_addEthereumChain") {
        knows.push(want);
        return null;
      }
      throw new Error(`unexpected ${method}`);
    },
  };
  return w;
}

describe("the wallet's chain", () => {
  it("is left alone when it is the server's", async () => {
    const asked: string[] = [];
    expect(await ensureChain(wallet(31337, [31337], asked), 31337, 31337)).toBe(31337);
    expect(asked).toEqual([]);
  });

  it("is switched (EIP-3326) when the wallet knows the chain", async () => {
    const asked: string[] = [];
    const w = wallet(1, [1, 8453], asked);
    expect(await ensureChain(w, 1, 8453)).toBe(8453);
    expect(asked).toEqual(["wallet_switchEthereumChain", "eth_chainId"]);
  });

  it("is added (EIP-3085) and then switched when the wallet does not know it", async () => {
    const asked: string[] = [];
    const w = wallet(1, [1], asked);
    expect(await ensureChain(w, 1, 31337)).toBe(31337);
    expect(asked).toEqual(["wallet_switchEthereumChain", "wallet_addEthereumChain", "wallet_switchEthereumChain", "eth_chainId"]);
  });

  it("says in people's words when the person declines", async () => {
    const err = await ensureChain(wallet(1, [1, 8453], [], ["wallet_switchEthereumChain"]), 1, 8453).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toMatch(/Switch your wallet to Base/);
  });
});
