// Drives Debian's Chromium through playwright-core against a running `pheme serve --demo`.
//   node e2e/browser.mjs smoke             checks pages a person would open; exits non-zero on failure
//   node e2e/browser.mjs screenshot OUT    saves a 1280x800 screenshot of the tasks page
// Environment: PHEME_URL (the server's origin), PHEME_API_KEY (optional: also tests writes),
// CHROMIUM (default /usr/bin/chromium). scripts/web.sh starts and stops the server.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { get } from "node:http";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const [mode = "smoke", out] = process.argv.slice(2);
const base = (process.env.PHEME_URL ?? "http://127.0.0.1:4600").replace(/\/$/, "");
const apiKey = process.env.PHEME_API_KEY ?? "";
const TIMEOUT = 15000;

async function launch() {
  const profile = mkdtempSync(join(tmpdir(), "pheme-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  context.setDefaultTimeout(TIMEOUT);
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A raw GET (no automatic decompression), to see exactly what the server sends. */
function rawGet(path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = get(`${base}${path}`, { headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.setTimeout(TIMEOUT, () => req.destroy(new Error(`GET ${path} timed out`)));
  });
}

async function screenshot(path) {
  if (!path) throw new Error("usage: browser.mjs screenshot OUT.png");
  const b = await launch();
  try {
    const page = b.context.pages()[0] ?? (await b.context.newPage());
    await page.goto(`${base}/tasks`);
    await page.locator('ul[aria-label="Tasks"] > li').first().waitFor();
    await page.evaluate(() => document.fonts?.ready);
    await page.waitForTimeout(300);
    await page.screenshot({ path, fullPage: false });
    console.log(`screenshot: ${path} (1280x800)`);
  } finally {
    await b.close();
  }
}

async function smoke() {
  const b = await launch();
  const page = b.context.pages()[0] ?? (await b.context.newPage());
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console error: ${m.text()}`));
  let passed = 0;
  let failed = 0;
  async function check(name, fn) {
    try {
      await fn();
      passed++;
      console.log(`ok - ${name}`);
    } catch (e) {
      failed++;
      console.log(`not ok - ${name}\n  ${String(e.message ?? e).split("\n").slice(0, 6).join("\n  ")}`);
    }
  }
  const visible = (text, opts = {}) => page.getByText(text, { exact: false, ...opts }).first().waitFor({ state: "visible" });
  const heading = (name) => page.getByRole("heading", { level: 1, name }).waitFor({ state: "visible" });

  try {
    await check("the server sends the built app: SPA fallback, hashed assets cached long, .gz twins", async () => {
      const html = await rawGet("/wallet/0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
      if (html.status !== 200 || !/<div id="root">/.test(html.body.toString())) throw new Error(`app route answered ${html.status}`);
      const asset = html.body.toString().match(/\/assets\/[\w.-]+\.js/)?.[0];
      if (!asset) throw new Error("index.html names no /assets/*.js");
      const gz = await rawGet(asset, { "Accept-Encoding": "gzip" });
      if (gz.status !== 200 || gz.headers["content-encoding"] !== "gzip") throw new Error(`${asset}: no gzip twin (${gz.headers["content-encoding"]})`);
      if (!/immutable/.test(String(gz.headers["cache-control"]))) throw new Error(`${asset}: cache-control ${gz.headers["cache-control"]}`);
      const plain = await rawGet(asset);
      if (plain.headers["content-encoding"]) throw new Error(`${asset}: gzip sent to a client that did not ask`);
    });

    await check("tasks page lists the demo tasks with rewards", async () => {
      await page.goto(`${base}/tasks`);
      await heading("Tasks");
      const cards = page.locator('ul[aria-label="Tasks"] > li');
      await cards.first().waitFor();
      const n = await cards.count();
      if (n < 8) throw new Error(`expected the 8 demo tasks, saw ${n}`);
      await visible("Find the reentrancy in a vault");
      await visible("250 PHEME");
    });

    await check("filters narrow the list and live in the URL", async () => {
      await page.getByLabel("Type").selectOption("LESSON");
      await page.waitForURL(/type=LESSON/);
      await page.getByRole("link", { name: "Write your first Solidity test" }).waitFor();
      await page.waitForFunction(() => document.querySelectorAll('ul[aria-label="Tasks"] > li').length === 2);
      await page.getByRole("button", { name: "Clear filters" }).click();
      await page.waitForURL((u) => u.search === "");
    });

    await check("task detail shows requirements, rubric and reward", async () => {
      await page.getByRole("link", { name: "Find the reentrancy in a vault" }).click();
      await page.waitForURL(/\/tasks\/\d+$/);
      await heading("Find the reentrancy in a vault");
      await visible("Contract Security");
      await visible("skill level ≥ 35");
      await visible("Meets the task description");
      await visible("Quality of evidence");
      await visible("+800 XP");
      await visible("250 PHEME");
      await page.getByRole("button", { name: "Sign in", exact: true }).first().waitFor();
    });

    await check("creator link opens the creator's Skill Wallet", async () => {
      await page.getByRole("link", { name: "0xf39f…2266" }).click();
      await page.waitForURL(/\/wallet\/0x[0-9a-fA-F]{40}$/);
      await heading("PHEME Demo Creator");
      await page.getByTestId("wallet-level").filter({ hasText: "Novice" }).waitFor();
      await visible("Solidity Builders");
    });

    await check("wallet page by address (deep link) shows level, XP, skills and guilds", async () => {
      await page.goto(`${base}/wallet/0x70997970c51812dc3a010c7d01b50e0d17dc79c8`);
      await heading("Ada");
      await visible("Smart contracts and tests.");
      await page.getByTestId("wallet-xp").waitFor();
      await page.getByRole("heading", { name: "Skills" }).waitFor();
      await page.getByRole("link", { name: "Solidity Builders" }).waitFor();
    });

    await check("header search opens a wallet; unknown address explains itself", async () => {
      await page.getByLabel("Find a Skill Wallet by address").fill("0x000000000000000000000000000000000000dEaD");
      await page.getByLabel("Find a Skill Wallet by address").press("Enter");
      await page.waitForURL(/0x000000000000000000000000000000000000dEaD$/);
      await visible("No PHEME account holds this address yet");
    });

    await check("API errors are shown with their code", async () => {
      await page.goto(`${base}/tasks/99999`);
      await page.getByRole("alert").filter({ hasText: "DATA001" }).waitFor();
      await visible("task 99999 not found");
    });

    await check("skills catalogue is grouped by domain", async () => {
      await page.goto(`${base}/skills`);
      await heading("Skills");
      for (const d of ["Technical", "Creative", "Business"]) await page.getByRole("heading", { level: 2, name: d }).waitFor();
      await page.getByRole("link", { name: "Solidity" }).first().waitFor();
    });

    await check("guilds list and guild detail with members", async () => {
      await page.goto(`${base}/guilds`);
      await heading("Guilds");
      await page.getByRole("link", { name: "Solidity Builders" }).click();
      await heading("Solidity Builders");
      await page.getByRole("link", { name: "Ada" }).waitFor();
      await page.getByRole("link", { name: "PHEME Demo Creator" }).waitFor();
    });

    if (apiKey) {
      await check("an API key signs in; join and leave a guild", async () => {
        await page.getByRole("button", { name: "Sign in", exact: true }).first().click();
        await page.getByLabel("API key", { exact: true }).fill(apiKey);
        await page.getByRole("button", { name: "Use this key" }).click();
        await page.getByRole("button", { name: "Sign out" }).waitFor();
        await page.getByRole("button", { name: "Join guild" }).click();
        await page.getByRole("button", { name: "Leave guild" }).waitFor();
        await visible("3 members");
        await page.getByRole("button", { name: "Leave guild" }).click();
        await page.getByRole("button", { name: "Join guild" }).waitFor();
        await visible("2 members");
      });

      await check("submit work with evidence to a task", async () => {
        await page.goto(`${base}/tasks`);
        await page.getByRole("link", { name: "Design a badge for LEGENDARY contributors" }).click();
        await heading("Design a badge for LEGENDARY contributors");
        await page.getByLabel("What you did").fill("An SVG badge that reads at 64 and 512 px, with a short rationale.");
        await page.getByLabel("Evidence 1 URL").fill("https://example.org/badge.svg");
        await page.getByRole("button", { name: "Submit work" }).click();
        await page.getByRole("status").filter({ hasText: "received" }).waitFor();
        await page.getByRole("button", { name: "Sign out" }).click();
        await page.getByRole("button", { name: "Sign in", exact: true }).first().waitFor();
      });
    }

    await check("a browser wallet signs in with Ethereum and signs out", async () => {
      // An EIP-1193 provider in the page whose key lives in Node (viem, from tests/auth): the
      // server's real message is signed and verified; nothing about the flow is faked.
      const require = createRequire(new URL("../../tests/auth/package.json", import.meta.url));
      const { generatePrivateKey, privateKeyToAccount } = await import(require.resolve("viem/accounts"));
      const account = privateKeyToAccount(generatePrivateKey());
      await page.exposeFunction("phemeTestSign", (hex) => account.signMessage({ message: { raw: hex } }));
      await page.addInitScript((address) => {
        window.ethereum = {
          async request({ method, params }) {
            if (method === "eth_requestAccounts") return [address];
            if (method === "eth_chainId") return "0x7a69";
            if (method === "personal_sign") return window.phemeTestSign(params[0]);
            throw new Error(`unexpected wallet call ${method}`);
          },
        };
      }, account.address);
      await page.goto(`${base}/tasks`);
      await page.getByRole("button", { name: "Sign in", exact: true }).first().click();
      await page.getByRole("button", { name: "Sign in with Ethereum" }).click();
      await page.getByRole("button", { name: "Sign out" }).waitFor();
      const who = await page.getByRole("link", { name: /your Skill Wallet/ }).getAttribute("href");
      if (!who || who.toLowerCase() !== `/wallet/${account.address.toLowerCase()}`)
        throw new Error(`signed in as ${who}, expected ${account.address}`);
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByRole("button", { name: "Sign in", exact: true }).first().waitFor();
    });

    await check("no script errors in the browser console", async () => {
      // Expected API errors (404 for the unknown task and address) show up as failed loads.
      const real = problems.filter((p) => !/Failed to load resource: the server responded with a status of 4\d\d/.test(p));
      if (real.length) throw new Error(real.join("\n"));
    });
  } finally {
    await b.close();
  }
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  if (failed) process.exit(1);
}

try {
  if (mode === "screenshot") await screenshot(out);
  else if (mode === "smoke") await smoke();
  else throw new Error(`unknown mode '${mode}': smoke or screenshot OUT.png`);
} catch (e) {
  console.error(`browser: ${e.message ?? e}`);
  process.exit(1);
}
