// The browser's wallets: every injected wallet announced through EIP-6963 (MetaMask, Rabby,
// Coinbase Wallet, … each announce themselves with a name and an icon), plus the legacy
// `window.ethereum` when no wallet announced itself. And the chain: a wallet on another chain than
// the server's is asked to switch (EIP-3326), and to add the chain when it does not know it
// (EIP-3085).
import { ApiError } from "./api";
import type { Eip1193Provider } from "./siwe";

export interface WalletInfo {
  uuid: string;
  name: string;
  /** A data: URI (EIP-6963 requires one); "" for the legacy provider. */
  icon: string;
  rdns: string;
}

export interface DiscoveredWallet {
  info: WalletInfo;
  provider: Eip1193Provider;
}

type Listener = () => void;

const announced = new Map<string, DiscoveredWallet>();
const listeners = new Set<Listener>();
let snapshot: DiscoveredWallet[] = [];
let started = false;

function publish() {
  const list = [...announced.values()];
  const legacy = typeof window === "undefined" ? undefined : (window as unknown as { ethereum?: Eip1193Provider }).ethereum;
  // The legacy provider is shown only when no wallet announced itself: it is one of them.
  if (list.length === 0 && legacy && typeof legacy.request === "function")
    list.push({ info: { uuid: "legacy", name: "Browser wallet", icon: "", rdns: "" }, provider: legacy });
  snapshot = list;
  for (const l of listeners) l();
}

function onAnnounce(e: Event) {
  const d = (e as CustomEvent<DiscoveredWallet>).detail;
  if (!d || !d.info || typeof d.info.uuid !== "string" || !d.provider || typeof d.provider.request !== "function") return;
  const icon = typeof d.info.icon === "string" && /^data:image\//.test(d.info.icon) ? d.info.icon : "";
  announced.set(d.info.uuid, {
    info: { uuid: d.info.uuid, name: String(d.info.name || "Wallet").slice(0, 60), icon, rdns: String(d.info.rdns || "") },
    provider: d.provider,
  });
  publish();
}

/** Starts listening for announcements and asks wallets to announce themselves. */
export function discoverWallets() {
  if (typeof window === "undefined") return;
  if (!started) {
    started = true;
    window.addEventListener("eip6963:announceProvider", onAnnounce);
  }
  window.dispatchEvent(new Event("eip6963:requestProvider"));
  publish();
}

export function subscribeWallets(l: Listener) {
  listeners.add(l);
  return () => {
    listeners.delete(l);
  };
}

export function walletsSnapshot(): DiscoveredWallet[] {
  return snapshot;
}

/** What EIP-3085 needs to add the chains PHEME runs on. */
export const KNOWN_CHAINS: Record<number, { chainName: string; rpcUrls: string[]; nativeCurrency: { name: string; symbol: string; decimals: number }; blockExplorerUrls?: string[] }> = {
  1: { chainName: "Ethereum", rpcUrls: ["https://ethereum-rpc.publicnode.com"], nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 } },
  8453: { chainName: "Base", rpcUrls: ["https://mainnet.base.org"], nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, blockExplorerUrls: ["https://basescan.org"] },
  84532: { chainName: "Base Sepolia", rpcUrls: ["https://sepolia.base.org"], nativeCurrency: { name: "Sepolia Ether", symbol: "ETH", decimals: 18 }, blockExplorerUrls: ["https://sepolia.basescan.org"] },
  31337: { chainName: "PHEME local chain", rpcUrls: ["http://127.0.0.1:8545"], nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 } },
};

export function chainName(id: number): string {
  return KNOWN_CHAINS[id]?.chainName ?? `chain ${id}`;
}

function code(e: unknown): number | undefined {
  const c = (e as { code?: unknown })?.code;
  if (typeof c === "number") return c;
  // Some wallets wrap the real error (MetaMask mobile: data.originalError.code).
  const inner = (e as { data?: { originalError?: { code?: unknown } } })?.data?.originalError?.code;
  return typeof inner === "number" ? inner : undefined;
}

/**
 * Makes sure the wallet is on chain `want`: asks it to switch (EIP-3326) and, when it does not
 * know the chain (4902), to add it (EIP-3085) and switch again. Answers the wallet's chain.
 */
export async function ensureChain(provider: Eip1193Provider, current: number, want: number): Promise<number> {
  if (current === want) return current;
  const hex = `0x${want.toString(16)}`;
  const name = chainName(want);
  try {
    await provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId: hex }] });
  } catch (e) {
    if (code(e) === 4001) throw new ApiError(0, "WALLET_CHAIN", `PHEME runs on ${name}. Switch your wallet to ${name} to sign in.`);
    if (code(e) !== 4902) throw new ApiError(0, "WALLET_CHAIN", `Your wallet could not switch to ${name}. Switch it by hand, then try again.`);
    const known = KNOWN_CHAINS[want];
    if (!known) throw new ApiError(0, "WALLET_CHAIN", `Your wallet does not know ${name}. Add it in your wallet, then try again.`);
    try {
      await provider.request({ method: "wallet_addEthereumChain", params: [{ chainId: hex, ...known }] });
    } catch (e2) {
      throw new ApiError(0, "WALLET_CHAIN", code(e2) === 4001 ? `PHEME runs on ${name}. Add it to your wallet to sign in.` : `Your wallet could not add ${name}.`);
    }
    await provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId: hex }] }).catch(() => undefined);
  }
  const now = Number.parseInt(String(await provider.request({ method: "eth_chainId" })), 16);
  if (now !== want) throw new ApiError(0, "WALLET_CHAIN", `Your wallet is still on ${chainName(now)}. Switch it to ${name}, then try again.`);
  return now;
}
