import { describe, expect, it } from "vitest";
import { ApiError } from "./api";
import { contractAddress, proposalPhase, txError, weightedVotes } from "./chain";
import { proposalTitle } from "./pages/GovernancePage";

describe("reputation-weighted votes (PhemeGovernor.weightedVotes)", () => {
  it("counts raw × (100 + reputation) / 100, reputation capped at 100, rounding down", () => {
    const one = 10n ** 18n;
    expect(weightedVotes(1000n * one, 0)).toBe(1000n * one);
    expect(weightedVotes(1000n * one, 9)).toBe(1090n * one);
    expect(weightedVotes(1000n * one, 100)).toBe(2000n * one);
    expect(weightedVotes(1000n * one, 250)).toBe(2000n * one);
    expect(weightedVotes(3n, 50)).toBe(4n);
    expect(weightedVotes(10n, 47.9)).toBe(14n);
  });
});

describe("a proposal's phase from the indexed data and the chain's head", () => {
  const p = { status: "created", voteStart: "100", voteEnd: "200" };
  it("is pending up to its start, active through its end, ended after", () => {
    expect(proposalPhase(p, 98)).toBe("pending");
    expect(proposalPhase(p, 99)).toBe("pending"); /* the next block is the snapshot: not yet */
    expect(proposalPhase(p, 100)).toBe("active");
    expect(proposalPhase(p, 199)).toBe("active");
    expect(proposalPhase(p, 200)).toBe("ended");
  });
  it("keeps what the chain said last, and is unknown without a head", () => {
    expect(proposalPhase({ ...p, status: "executed" }, 150)).toBe("executed");
    expect(proposalPhase({ ...p, status: "canceled" }, 150)).toBe("canceled");
    expect(proposalPhase(p, null)).toBe("unknown");
    expect(proposalPhase({ status: "unknown" }, 150)).toBe("unknown");
  });
  it("titles a proposal by its description's first line", () => {
    expect(proposalTitle({ id: "5", proposer: null, updatedBlock: 1, proposal: { description: "# Fund the guild\n\nWhy." } })).toBe("Fund the guild");
    expect(proposalTitle({ id: "123456789012345678901234567890", proposer: null, updatedBlock: 1, proposal: {} })).toBe("Proposal 123456…7890");
  });
});

describe("contracts and wallet errors", () => {
  it("finds a deployed contract in the manifest, and says so in people's words when it is not there", () => {
    const st = { configured: true, reachable: true, chainId: 31337, manifest: { contracts: { PhemeStaking: { address: "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707", hasCode: true }, PhemeGovernor: { address: "0x0DCd1Bf9A1b36cE34237eEaFef220932846BCD82", hasCode: false } } } };
    expect(contractAddress(st, "PhemeStaking")).toBe("0x5FC8d32690cc91D4c39d9d3abcBD16989F875707");
    expect(() => contractAddress(st, "PhemeGovernor")).toThrow("not deployed");
    expect(() => contractAddress(undefined, "PhemeStaking")).toThrow(ApiError);
  });
  it("reads a declined request and a revert", () => {
    expect(txError(Object.assign(new Error("User rejected the request."), { code: 4001 }), "x").message).toBe("You declined the transaction in your wallet.");
    const e = txError(new Error("The contract function \"withdraw\" reverted.\n\nError: CooldownNotOver(uint256 readyAt)\n"), "The chain refused the transaction.");
    expect(e.code).toBe("WALLET_TX");
    expect(e.message).toContain("The chain refused the transaction.");
  });
});
