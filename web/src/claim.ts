// Claiming a badge voucher on chain: PhemeBadges.claim(voucher, signature) sent from the person's
// wallet (contracts/src/PhemeBadges.sol; the voucher as GET /me/badges/:id/voucher serves it,
// contracts/signing.json badgeVoucher). viem is loaded only when someone claims.
import type { BadgeVoucher } from "./api";
import type { Eip1193Provider } from "./siwe";
import { ensureChain } from "./wallets";

export const CLAIM_ABI = [
  {
    type: "function",
    name: "claim",
    stateMutability: "nonpayable",
    inputs: [
      {
        name: "voucher",
        type: "tuple",
        components: [
          { name: "recipient", type: "address" },
          { name: "id", type: "uint256" },
          { name: "amount", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      },
      { name: "signature", type: "bytes" },
    ],
    outputs: [],
  },
] as const;

export interface ClaimCall {
  contract: `0x${string}`;
  voucher: { recipient: `0x${string}`; id: bigint; amount: bigint; nonce: bigint; deadline: bigint };
  signature: `0x${string}`;
  chainId: number;
}

const big = (v: unknown, what: string): bigint => {
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === "string" && /^(0x[0-9a-fA-F]+|\d+)$/.test(v)) return BigInt(v);
  throw new Error(`The voucher's ${what} is not a number.`);
};
const hex = (v: unknown, what: string): `0x${string}` => {
  if (typeof v === "string" && /^0x[0-9a-fA-F]*$/.test(v)) return v as `0x${string}`;
  throw new Error(`The voucher has no ${what}.`);
};

/** The served voucher as the contract call's arguments; throws in people's words when it is not one. */
export function claimCall(v: BadgeVoucher): ClaimCall {
  const domain = (v.domain ?? {}) as Record<string, unknown>;
  const m = (v.message ?? v.voucher ?? {}) as Record<string, unknown>;
  return {
    contract: hex(domain.verifyingContract, "contract address"),
    chainId: Number(big(domain.chainId, "chain")),
    voucher: {
      recipient: hex(m.recipient, "recipient"),
      id: big(m.id, "badge id"),
      amount: big(m.amount, "amount"),
      nonce: big(m.nonce, "nonce"),
      deadline: big(m.deadline, "deadline"),
    },
    signature: hex(v.signature, "signature"),
  };
}

/** Sends the claim from the wallet and waits for it to be mined; answers the transaction hash. */
export async function sendClaim(provider: Eip1193Provider, account: `0x${string}`, call: ClaimCall): Promise<`0x${string}`> {
  const current = Number.parseInt(String(await provider.request({ method: "eth_chainId" })), 16);
  await ensureChain(provider, current, call.chainId);
  const { createWalletClient, createPublicClient, custom } = await import("viem");
  const transport = custom(provider as Parameters<typeof custom>[0]);
  const wallet = createWalletClient({ account, transport });
  const hash = await wallet.writeContract({ address: call.contract, abi: CLAIM_ABI, functionName: "claim", args: [call.voucher, call.signature], chain: null, account });
  const receipt = await createPublicClient({ transport }).waitForTransactionReceipt({ hash, pollingInterval: 500, timeout: 120_000 });
  if (receipt.status !== "success") throw new Error("The chain refused the claim: the voucher may be used already or expired.");
  return hash;
}
