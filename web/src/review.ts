// A validator's review, signed in their wallet as EIP-712 typed data (contracts/signing.json
// "validatorReview", checked by the server in src/validation/review.h):
//   Review(uint256 submissionId,uint256 round,address validator,uint8 score,bytes32 criteriaHash,bytes32 feedbackHash)
//   criteriaHash = keccak256(abi.encode(uint256[] criterionIds, uint8[] criterionScores)), ids ascending
//   feedbackHash = keccak256(UTF-8 feedback)
// The server recomputes both hashes from the posted criteria and feedback, so what it stores is
// what the wallet showed and signed.
import { encodeAbiParameters, keccak256, stringToHex, type Hex } from "viem";
import { ApiError, type ValidatorQueue } from "./api";
import type { Eip1193Provider } from "./siwe";

export interface ReviewInput {
  submissionId: number;
  round: number;
  validator: string;
  score: number;
  /** Rubric criteria by their 1-based position, ascending. */
  criteria: { id: number; score: number }[];
  feedback: string;
}

export function criteriaHash(criteria: { id: number; score: number }[]): Hex {
  return keccak256(
    encodeAbiParameters([{ type: "uint256[]" }, { type: "uint8[]" }], [criteria.map((c) => BigInt(c.id)), criteria.map((c) => c.score)]),
  );
}

export function feedbackHash(feedback: string): Hex {
  return keccak256(stringToHex(feedback));
}

/** The typed data (eth_signTypedData_v4's JSON) of a review in the registry's domain. */
export function reviewTypedData(domain: ValidatorQueue["domain"], r: ReviewInput) {
  return {
    types: {
      EIP712Domain: [
        { name: "name", type: "string" },
        { name: "version", type: "string" },
        { name: "chainId", type: "uint256" },
        { name: "verifyingContract", type: "address" },
      ],
      Review: [
        { name: "submissionId", type: "uint256" },
        { name: "round", type: "uint256" },
        { name: "validator", type: "address" },
        { name: "score", type: "uint8" },
        { name: "criteriaHash", type: "bytes32" },
        { name: "feedbackHash", type: "bytes32" },
      ],
    },
    primaryType: "Review" as const,
    domain: { name: domain.name, version: domain.version, chainId: domain.chainId, verifyingContract: domain.verifyingContract },
    message: {
      submissionId: r.submissionId,
      round: r.round,
      validator: r.validator,
      score: r.score,
      criteriaHash: criteriaHash(r.criteria),
      feedbackHash: feedbackHash(r.feedback),
    },
  };
}

/** Asks the wallet to sign the review; answers the body POST /submissions/:id/reviews takes. */
export async function signReview(provider: Eip1193Provider, domain: ValidatorQueue["domain"], r: ReviewInput) {
  const typed = reviewTypedData(domain, r);
  let signature: unknown;
  try {
    signature = await provider.request({ method: "eth_signTypedData_v4", params: [r.validator, JSON.stringify(typed)] });
  } catch (e) {
    if ((e as { code?: unknown })?.code === 4001) throw new ApiError(0, "WALLET_REJECTED", "You declined to sign the review in your wallet.");
    throw new ApiError(0, "WALLET", "Your wallet could not sign the review.");
  }
  if (typeof signature !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(signature)) throw new ApiError(0, "WALLET", "Your wallet gave no usable signature.");
  return { submissionId: r.submissionId, round: r.round, validator: r.validator, score: r.score, criteria: r.criteria, feedback: r.feedback, signature };
}
