import { describe, expect, it } from "vitest";
import { formatReward, formatWei, isAddress, levelProgress, shortAddress } from "./format";

describe("formatWei", () => {
  it("formats whole and fractional token amounts exactly", () => {
    expect(formatWei("250000000000000000000")).toBe("250");
    expect(formatWei("1500000000000000000")).toBe("1.5");
    expect(formatWei("0")).toBe("0");
    expect(formatWei("1000000000000000000000000000")).toBe("1,000,000,000");
  });

  it("handles amounts far beyond 2^53 without losing digits", () => {
    // 2^256 - 1 wei
    const max = (2n ** 256n - 1n).toString();
    expect(formatWei(max, { maxFraction: 0 })).toBe(
      "115,792,089,237,316,195,423,570,985,008,687,907,853,269,984,665,640,564,039,457",
    );
    expect(formatWei("123456789012345678901234567")).toBe("123,456,789.0123");
  });

  it("cuts instead of rounding and marks dust", () => {
    expect(formatWei("1999999999999999999")).toBe("1.9999");
    expect(formatWei("1")).toBe("<0.0001");
    expect(formatWei("100000000000000", { maxFraction: 4 })).toBe("0.0001");
  });

  it("rejects what is not a non-negative integer string", () => {
    expect(() => formatWei("1.5")).toThrow(RangeError);
    expect(() => formatWei("-1")).toThrow(RangeError);
    expect(() => formatWei("0x10")).toThrow(RangeError);
  });

  it("labels rewards", () => {
    expect(formatReward("75000000000000000000")).toBe("75 PHEME");
    expect(formatReward("0")).toBe("No token reward");
    expect(formatReward("nonsense")).toBe("—");
  });
});

describe("addresses and levels", () => {
  it("recognises addresses", () => {
    expect(isAddress("0x70997970c51812dc3a010c7d01b50e0d17dc79c8")).toBe(true);
    expect(isAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")).toBe(true);
    expect(isAddress("0x1234")).toBe(false);
    expect(isAddress("70997970c51812dc3a010c7d01b50e0d17dc79c8")).toBe(false);
    expect(shortAddress("0x70997970c51812dc3a010c7d01b50e0d17dc79c8")).toBe("0x7099…79c8");
  });

  it("follows the server's level bands", () => {
    expect(levelProgress(0)).toMatchObject({ name: "Novice", next: "Advanced", toNext: 1001, percent: 0 });
    expect(levelProgress(1000).name).toBe("Novice");
    expect(levelProgress(1001)).toMatchObject({ name: "Advanced", next: "Expert", percent: 0 });
    expect(levelProgress(5000).name).toBe("Advanced");
    expect(levelProgress(10000).name).toBe("Expert");
    expect(levelProgress(10001)).toMatchObject({ name: "Master", next: null, percent: 100, toNext: 0 });
  });
});
