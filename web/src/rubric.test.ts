import { describe, expect, it } from "vitest";
import { parseTokens } from "./format";
import { emptyForm, formOf, formProblems, rubricTotal, taskBody } from "./rubric";
import type { Task } from "./api";

describe("token amounts typed by people", () => {
  it("reads whole and fractional amounts into wei", () => {
    expect(parseTokens("250")).toBe(250n * 10n ** 18n);
    expect(parseTokens("1.5")).toBe(15n * 10n ** 17n);
    expect(parseTokens("1,000")).toBe(1000n * 10n ** 18n);
    expect(parseTokens("0.000000000000000001")).toBe(1n);
  });
  it("refuses what is not an amount", () => {
    for (const bad of ["", "-1", "1e3", "abc", "1.0000000000000000001", "1.2.3"]) expect(parseTokens(bad)).toBeNull();
  });
});

describe("the task form and its rubric", () => {
  const filled = () => {
    const f = emptyForm();
    f.title = "Fuzz a token";
    f.description = "Write fuzz tests.";
    f.skills = [{ skill: "solidity", minLevel: "5" }];
    f.rubric = [
      { criterion: "Finds bugs", weight: "60", description: "" },
      { criterion: "Readable", weight: "40", description: "Clear names" },
    ];
    return f;
  };
  it("adds the weights, counting what is not a number as 0", () => {
    expect(rubricTotal([{ criterion: "a", weight: "60", description: "" }, { criterion: "b", weight: "x", description: "" }])).toBe(60);
  });
  it("finds nothing wrong with a complete form, and says what is wrong otherwise", () => {
    expect(formProblems(filled())).toEqual([]);
    const f = filled();
    f.rubric[1].weight = "30";
    expect(formProblems(f)).toEqual(["The weights must add up to 100. (90)"]);
    f.rubric = [];
    f.title = " ";
    f.skills = [{ skill: "", minLevel: "101" }];
    const p = formProblems(f);
    expect(p).toContain("Title: required.");
    expect(p).toContain("Add at least one criterion.");
    expect(p).toContain("Skill 1: choose one, or remove the row.");
    expect(p).toContain("Minimum level for skill 1: a whole number from 0 to 100.");
  });
  it("sends what the server takes: numbers, wei, the rubric, a status only when it may change", () => {
    const f = filled();
    f.tokenReward = "2.5";
    f.deadline = "2026-12-31";
    const b = taskBody(f);
    expect(b).toMatchObject({ title: "Fuzz a token", difficulty: 5, xpReward: 200, tokenReward: "2500000000000000000", status: "OPEN", deadline: "2026-12-31T23:59:59Z" });
    expect(b.validation?.rubric).toEqual([{ criterion: "Finds bugs", weight: 60 }, { criterion: "Readable", weight: 40, description: "Clear names" }]);
    expect(b.skills).toEqual([{ skill: "solidity", minLevel: 5 }]);
    const open = { status: "OPEN" } as Task;
    expect(taskBody(f, open).status).toBeUndefined();
    expect(taskBody(f, { status: "DRAFT" } as Task).status).toBe("OPEN");
  });
  it("edits a task as the server holds it and sends it back unchanged", () => {
    const t = {
      id: 1, type: "BOUNTY", title: "T", description: "D", difficulty: 7, xpReward: 800, tokenReward: "250000000000000000000", status: "OPEN",
      creator: "0x", guildId: null, deadline: null, skills: [{ skill: "contract-security", minLevel: 35 }], requirements: { minReputation: 0, minLevel: 0 },
      validation: { rubric: [{ criterion: "A", weight: 100 }], evidenceTypes: ["link"] }, createdAt: null, updatedAt: null,
    } as Task;
    const f = formOf(t);
    expect(f.tokenReward).toBe("250");
    expect(formProblems(f)).toEqual([]);
    expect(taskBody(f, t)).toMatchObject({ tokenReward: "250000000000000000000", skills: t.skills, validation: { rubric: [{ criterion: "A", weight: 100 }] } });
  });
});
