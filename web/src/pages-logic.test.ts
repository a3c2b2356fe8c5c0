import { describe, expect, it } from "vitest";
import { claimCall } from "./claim";
import { ruleText } from "./components/Badges";
import { describeEvent, ppmPercent, totalParts, utcOffsetLabel } from "./pages/DashboardPage";
import { changes, inputCounts } from "./pages/ReputationPage";

describe("dashboard wording", () => {
  it("describes events from the stream's envelope in people's words", () => {
    expect(describeEvent("xp.awarded", { kind: "xp.awarded", data: { xp: 1250, total: 5000, critical: 0 } })).toBe("You earned 1,250 XP. You have 5,000 XP in all.");
    expect(describeEvent("xp.awarded", { data: { xp: 10, total: 10, critical: 5 } })).toContain("critical hit");
    expect(describeEvent("level.up", { data: { from: "NOVICE", to: "ADVANCED" } })).toBe("You reached the Advanced level.");
    expect(describeEvent("reputation.changed", { data: { score: 47300000 } })).toBe("Your reputation is now 47.3.");
    expect(describeEvent("some.new_kind", null)).toBe("Some new kind");
  });
  it("names time zones by their offset", () => {
    expect(utcOffsetLabel(330)).toBe("UTC+05:30");
    expect(utcOffsetLabel(0)).toBe("UTC+00:00");
    expect(utcOffsetLabel(-210)).toBe("UTC−03:30");
  });
  it("reads a receipt's parts in parts per million", () => {
    expect(ppmPercent(275000)).toBe(27.5);
    expect(ppmPercent(2000000)).toBe(100);
    expect(ppmPercent("x")).toBeNull();
    expect(totalParts({ formula: "rep-1", asOf: 0, score: 0, intermediates: { all: { qualityPpm: 1 }, technical: {} } })).toEqual({ qualityPpm: 1 });
  });
});

describe("receipts", () => {
  it("counts inputs and says what changed", () => {
    const a = inputCounts({ formula: "rep-1", asOf: 0, score: 0, inputs: { outcomes: [], endorsements: [], chain: { badges: 0 } } });
    const b = inputCounts({ formula: "rep-1", asOf: 0, score: 0, inputs: { outcomes: [{}], endorsements: [{}], chain: { badges: 2 } } });
    expect(changes(a, b)).toEqual(["validated submissions: 0 → 1", "endorsements: 0 → 1", "badges: 0 → 2"]);
    expect(changes(b, b)).toEqual([]);
  });
});

describe("badges", () => {
  it("says what earns a badge", () => {
    expect(ruleText({ kind: "approved", min: 1 })).toBe("Get 1 submission approved.");
    expect(ruleText({ kind: "xp", min: 1000, skill: "solidity" })).toBe("Earn 1,000 XP in solidity.");
    expect(ruleText({ kind: "season_rank", max_rank: 10 })).toBe("Finish in the top 10 of a season.");
  });
  it("turns a served voucher into the claim call, refusing one that is not", () => {
    const v = {
      domain: { name: "PhemeBadges", version: "1", chainId: 31337, verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
      message: { recipient: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", id: "3", amount: "1", nonce: "0xff", deadline: 1796623975 },
      signature: "0x" + "11".repeat(65),
    };
    const c = claimCall(v);
    expect(c.chainId).toBe(31337);
    expect(c.voucher).toEqual({ recipient: v.message.recipient, id: 3n, amount: 1n, nonce: 255n, deadline: 1796623975n });
    expect(() => claimCall({ ...v, signature: undefined })).toThrow("no signature");
    expect(() => claimCall({ ...v, message: { ...v.message, id: "three" } })).toThrow("badge id");
  });
});
