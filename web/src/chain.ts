// Transactions a person sends from their wallet to PHEME's contracts: staking (PhemeStaking) and
// votes (PhemeGovernor). The addresses come from the deployment manifest the server exposes
// (GET /chain/status); viem is loaded only when a transaction is sent or a value read.
import { ApiError, type ChainDetail, type ProposalData } from "./api";
import type { Eip1193Provider } from "./siwe";
import { ensureChain } from "./wallets";

const u256 = { type: "uint256" } as const;

export const ERC20_ABI = [
  { type: "function", name: "approve", stateMutability: "nonpayable", inputs: [{ name: "spender", type: "address" }, { name: "amount", ...u256 }], outputs: [{ type: "bool" }] },
  { type: "function", name: "allowance", stateMutability: "view", inputs: [{ name: "owner", type: "address" }, { name: "spender", type: "address" }], outputs: [u256] },
] as const;

export const STAKING_ABI = [
  { type: "function", name: "stake", stateMutability: "nonpayable", inputs: [{ name: "amount", ...u256 }], outputs: [] },
  { type: "function", name: "requestUnstake", stateMutability: "nonpayable", inputs: [{ name: "amount", ...u256 }], outputs: [] },
  { type: "function", name: "withdraw", stateMutability: "nonpayable", inputs: [], outputs: [] },
  { type: "function", name: "claimRewards", stateMutability: "nonpayable", inputs: [], outputs: [{ name: "reward", ...u256 }] },
  { type: "function", name: "earned", stateMutability: "view", inputs: [{ name: "account", type: "address" }], outputs: [u256] },
] as const;

export const GOVERNOR_ABI = [
  { type: "function", name: "castVote", stateMutability: "nonpayable", inputs: [{ name: "proposalId", ...u256 }, { name: "support", type: "uint8" }], outputs: [u256] },
] as const;

/** Governor's vote types (PhemeGovernor.VoteType). */
export const SUPPORT = { against: 0, for: 1, abstain: 2 } as const;
export type Support = keyof typeof SUPPORT;

export type Hex = `0x${string}`;

/** An indexed uint256 (a decimal string or a number) as a bigint; 0 when absent or malformed. */
export function toBig(v: unknown): bigint {
  try {
    return typeof v === "string" || typeof v === "number" ? BigInt(v) : 0n;
  } catch {
    return 0n;
  }
}

/** A contract's address from the manifest, or an error in people's words. */
export function contractAddress(status: ChainDetail | undefined, name: string): Hex {
  const a = status?.manifest?.contracts?.[name];
  if (!a || !a.hasCode || !/^0x[0-9a-fA-F]{40}$/.test(a.address)) throw new ApiError(0, "WALLET_CONTRACT", "This part of PHEME is not deployed on the chain yet.");
  return a.address as Hex;
}

/** A reputation-weighted vote as PhemeGovernor counts it: raw × (100 + reputation) / 100. */
export function weightedVotes(raw: bigint, reputation: number): bigint {
  const r = BigInt(Math.max(0, Math.min(100, Math.floor(reputation))));
  return (raw * (100n + r)) / 100n;
}

export type ProposalPhase = "pending" | "active" | "ended" | "canceled" | "queued" | "executed" | "unknown";

/** Where a proposal stands at `head` (the chain's newest block): the next block is the one a vote
 *  would be mined in, and the Governor takes votes from after voteStart to voteEnd. */
export function proposalPhase(p: ProposalData, head: number | null | undefined): ProposalPhase {
  const st = p.status ?? "unknown";
  if (st === "canceled" || st === "queued" || st === "executed") return st;
  if (st !== "created") return "unknown";
  const start = Number(p.voteStart);
  const end = Number(p.voteEnd);
  if (head == null || !Number.isFinite(start) || !Number.isFinite(end)) return "unknown";
  const next = head + 1;
  if (next <= start) return "pending";
  return next <= end ? "active" : "ended";
}

/** A wallet error or a chain refusal as an ApiError the notices show in people's words. */
export function txError(e: unknown, refused: string): ApiError {
  if (e instanceof ApiError) return e;
  const code = (e as { code?: unknown; cause?: { code?: unknown } })?.code ?? (e as { cause?: { code?: unknown } })?.cause?.code;
  const msg = e instanceof Error ? e.message : String(e);
  if (code === 4001 || /rejected|denied/i.test(msg)) return new ApiError(0, "WALLET_REJECTED", "You declined the transaction in your wallet.");
  const reason = /reverted with the following reason:\s*\n?(.+)/.exec(msg)?.[1] ?? /Error: ([A-Za-z]+\(.*?\))/.exec(msg)?.[1];
  return new ApiError(0, "WALLET_TX", reason ? `${refused} (${reason.trim()})` : refused);
}

export interface TxCall {
  address: Hex;
  abi: readonly unknown[];
  functionName: string;
  args?: readonly unknown[];
}

/** The wallet's account (the first it shares). */
export async function walletAccount(provider: Eip1193Provider): Promise<Hex> {
  const list = (await provider.request({ method: "eth_requestAccounts" })) as string[];
  if (!list?.[0]) throw new ApiError(0, "WALLET_NONE", "Your wallet shared no account.");
  return list[0] as Hex;
}

/** Reads a view function through the wallet's node. */
export async function readCall<T>(provider: Eip1193Provider, call: TxCall): Promise<T> {
  const { createPublicClient, custom } = await import("viem");
  const client = createPublicClient({ transport: custom(provider as Parameters<typeof custom>[0]) });
  return (await client.readContract({ address: call.address, abi: call.abi as never, functionName: call.functionName as never, args: (call.args ?? []) as never })) as T;
}

/** Sends calls one after the other from the wallet on `chainId`, each waited for until mined;
 *  answers the last transaction's hash and block. */
export async function sendCalls(provider: Eip1193Provider, chainId: number, calls: TxCall[]): Promise<{ hash: Hex; block: number }> {
  const current = Number.parseInt(String(await provider.request({ method: "eth_chainId" })), 16);
  await ensureChain(provider, current, chainId);
  const account = await walletAccount(provider);
  const { createWalletClient, createPublicClient, custom } = await import("viem");
  const transport = custom(provider as Parameters<typeof custom>[0]);
  const wallet = createWalletClient({ account, transport });
  const reader = createPublicClient({ transport });
  let last: { hash: Hex; block: number } | null = null;
  for (const c of calls) {
    const hash = await wallet.writeContract({ address: c.address, abi: c.abi as never, functionName: c.functionName as never, args: (c.args ?? []) as never, chain: null, account });
    const receipt = await reader.waitForTransactionReceipt({ hash, pollingInterval: 500, timeout: 120_000 });
    if (receipt.status !== "success") throw new ApiError(0, "WALLET_TX", "The chain refused the transaction.");
    last = { hash, block: Number(receipt.blockNumber) };
  }
  if (!last) throw new ApiError(0, "WALLET_TX", "Nothing was sent.");
  return last;
}
