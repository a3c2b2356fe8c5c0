import { describe, expect, it } from "vitest";
import { encodeAbiParameters, keccak256, recoverTypedDataAddress, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { criteriaHash, feedbackHash, reviewTypedData, signReview } from "./review";

const domain = { name: "PhemeValidatorRegistry", version: "1", chainId: 31337, verifyingContract: "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853" };
const account = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const input = { submissionId: 12, round: 1, validator: account.address, score: 80, criteria: [{ id: 1, score: 90 }, { id: 2, score: 65 }], feedback: "Clear, and the test proves it — ✓" };

describe("a validator's review (EIP-712)", () => {
  it("hashes the criteria as abi.encode(uint256[] ids, uint8[] scores) and the feedback as its UTF-8 bytes", () => {
    expect(criteriaHash(input.criteria)).toBe(keccak256(encodeAbiParameters([{ type: "uint256[]" }, { type: "uint8[]" }], [[1n, 2n], [90, 65]])));
    expect(feedbackHash("é")).toBe(keccak256("0xc3a9"));
    expect(feedbackHash(input.feedback)).toBe(keccak256(stringToHex(input.feedback)));
  });

  it("asks the wallet for eth_signTypedData_v4 and posts what it signed; the signature recovers to the validator", async () => {
    const asked: unknown[][] = [];
    const wallet = {
      async request({ method, params }: { method: string; params?: unknown[] }) {
        asked.push([method, ...(params ?? [])]);
        const t = JSON.parse(String(params?.[1]));
        delete t.types.EIP712Domain;
        return account.signTypedData(t);
      },
    };
    const body = await signReview(wallet, domain, input);
    expect(asked[0][0]).toBe("eth_signTypedData_v4");
    expect(asked[0][1]).toBe(account.address);
    expect(body).toMatchObject({ submissionId: 12, round: 1, validator: account.address, score: 80, criteria: input.criteria, feedback: input.feedback });
    const t = reviewTypedData(domain, input);
    const { EIP712Domain: _, ...types } = t.types;
    const signer = await recoverTypedDataAddress({ domain: t.domain as never, types, primaryType: "Review", message: t.message as never, signature: body.signature as `0x${string}` });
    expect(signer).toBe(account.address);
  });
});
