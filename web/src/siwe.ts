// Sign-In with Ethereum from the browser: the wallet (any EIP-1193 provider, e.g. the one a wallet
// extension puts at window.ethereum) shares an address and its chain, the server writes the
// EIP-4361 message with a nonce, the wallet signs it (personal_sign), the server checks it and
// opens a session. The server never trusts the page: domain, URI, chain and nonce are its own.
import { ApiError, type AuthSession, type Client } from "./api";
import { ensureChain } from "./wallets";

export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

/** 0x-hex of the UTF-8 bytes of text, as personal_sign takes its message. */
export function utf8Hex(text: string): string {
  let out = "0x";
  for (const b of new TextEncoder().encode(text)) out += b.toString(16).padStart(2, "0");
  return out;
}

/** A wallet's refusal or failure as an ApiError the app's notices can show. */
function walletError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  const code = (e as { code?: unknown })?.code;
  if (code === 4001) return new ApiError(0, "WALLET_REJECTED", "You declined the request in your wallet.");
  const msg = (e as { message?: unknown })?.message;
  return new ApiError(0, "WALLET", `Your wallet did not answer${typeof msg === "string" && msg ? `: ${msg}` : "."}`);
}

async function ask<T>(p: Eip1193Provider, method: string, params?: unknown[]): Promise<T> {
  try {
    return (await p.request({ method, params })) as T;
  } catch (e) {
    throw walletError(e);
  }
}

export interface SignInOptions {
  /** The chain the server runs on: a wallet elsewhere is asked to switch (or add it) first. */
  chainId?: number | null;
  /** Cookie mode: the session lives in the server's __Host- cookies (shared by every tab). */
  cookies?: boolean;
}

/** The wallet's first account and its chain, switched to opts.chainId when given. */
async function accountAndChain(provider: Eip1193Provider, want?: number | null): Promise<{ address: string; chainId: number }> {
  const accounts = await ask<string[]>(provider, "eth_requestAccounts");
  const address = Array.isArray(accounts) ? accounts[0] : undefined;
  if (typeof address !== "string") throw new ApiError(0, "WALLET", "Your wallet shared no account.");
  const chainHex = await ask<string>(provider, "eth_chainId");
  let chainId = Number.parseInt(String(chainHex), 16);
  if (!Number.isSafeInteger(chainId) || chainId <= 0) throw new ApiError(0, "WALLET", "Your wallet did not say which network it is on.");
  if (want) chainId = await ensureChain(provider, chainId, want);
  return { address, chainId };
}

/** Runs the whole sign-in with provider against the server behind client. */
export async function signInWithWallet(client: Client, provider: Eip1193Provider, opts: SignInOptions = {}): Promise<AuthSession & { address: string }> {
  const { address, chainId } = await accountAndChain(provider, opts.chainId);
  const n = await client.authNonce(address, chainId);
  const signature = await ask<string>(provider, "personal_sign", [utf8Hex(n.message), address]);
  const session = await client.authVerify(n.message, signature, opts.cookies ?? false);
  return { ...session, address };
}

/** Links the provider's account to the signed-in person (a nonce of purpose "link"). */
export async function linkWallet(client: Client, provider: Eip1193Provider, want?: number | null) {
  const { address, chainId } = await accountAndChain(provider, want);
  const n = await client.linkNonce(address, chainId);
  const signature = await ask<string>(provider, "personal_sign", [utf8Hex(n.message), address]);
  return client.linkWallet(n.message, signature);
}
