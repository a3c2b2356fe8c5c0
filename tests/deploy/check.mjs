// The Node half of scripts/deploy-check.sh: parses deploy/'s YAML and JSON with real parsers,
// validates every Kubernetes object against the Kubernetes schemas (kubernetes-models), and checks
// that every metric name the alert rules, the Prometheus adapter and the dashboard use is one
// src/ exports. Usage: node tests/deploy/check.mjs REPO_ROOT METRICS_FILE
// (METRICS_FILE: the names of src/'s mw_family() calls, one a line). Exit 1 on any failure.
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";

const [root, metricsFile, exprRules] = process.argv.slice(2);
// Every dashboard query, as recording rules for promtool to parse (written to exprRules).
const dashboardExprs = [];
const deploy = path.join(root, "deploy");
const known = new Set(fs.readFileSync(metricsFile, "utf8").split("\n").filter(Boolean));
let failures = 0;
const fail = (where, msg) => { failures++; console.error(`FAIL ${where}: ${msg}`); };
const ok = (msg) => console.log(`ok   ${msg}`);

function parseAll(file) {
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"), { merge: true });
  const out = [];
  for (const d of docs) {
    if (d.errors.length) { fail(file, d.errors.map((e) => e.message).join("; ")); continue; }
    const v = d.toJS({ maxAliasCount: 100 });
    if (v != null) out.push(v);
  }
  return out;
}

// ---- metric names in PromQL ----
// Identifiers followed by neither "(" (functions) nor being label names/keywords; a histogram's
// _bucket/_count/_sum series belong to its family.
const PROMQL_WORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "and",
  "or", "unless", "bool", "offset", "le", "inf", "nan"]);
function metricNames(expr) {
  const names = new Set();
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\{[^}]*\}/g, "{}")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/<<[^>]*>>/g, "");
  for (const m of noStrings.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?/g)) {
    const [, id, call] = m;
    if (call || PROMQL_WORDS.has(id) || /^\d/.test(id)) continue;
    if (/^\d+[smhdwy]$/.test(id)) continue;
    names.add(id);
  }
  return names;
}
// Names Prometheus itself makes: up (per target), and those of other jobs we do not check.
const EXTERNAL = new Set(["up"]);
function checkMetric(where, name) {
  if (EXTERNAL.has(name)) return true;
  const base = name.replace(/_(bucket|count|sum)$/, "");
  if (known.has(name) || known.has(base)) return true;
  fail(where, `metric '${name}' is not exported by src/ (no mw_family("${name}", …))`);
  return false;
}

// ---- alert rules ----
{
  const file = path.join(deploy, "prometheus/alerts.yml");
  const [doc] = parseAll(file);
  let n = 0, names = 0;
  for (const g of doc?.groups ?? [])
    for (const r of g.rules ?? []) {
      n++;
      for (const m of metricNames(r.expr)) { names++; checkMetric(`${file} ${r.alert}`, m); }
      if (!r.annotations?.summary) fail(`${file} ${r.alert}`, "no summary annotation");
    }
  if (n < 10) fail(file, `only ${n} rules`);
  ok(`alerts.yml: ${n} rules, ${names} metric references checked against src/`);
}

// ---- Prometheus adapter rules ----
{
  const file = path.join(deploy, "k8s/prometheus-adapter.yaml");
  const [cm] = parseAll(file);
  const cfg = YAML.parse(cm.data["config.yaml"]);
  let n = 0;
  for (const r of [...(cfg.rules ?? []), ...(cfg.externalRules ?? [])]) {
    n++;
    for (const m of metricNames(r.seriesQuery)) checkMetric(`${file} ${r.name.as}`, m);
  }
  ok(`prometheus-adapter.yaml: ${n} rules on metrics src/ exports`);
}

// ---- dashboard ----
{
  const file = path.join(deploy, "grafana/pheme.json");
  let dash;
  try { dash = JSON.parse(fs.readFileSync(file, "utf8")); } catch (e) { fail(file, `not JSON: ${e.message}`); }
  if (dash) {
    let exprs = 0;
    const titles = [];
    for (const p of dash.panels ?? []) {
      if (p.type === "row") continue;
      titles.push(p.title);
      if (!p.targets?.length) fail(`${file} '${p.title}'`, "a panel without a query");
      for (const t of p.targets ?? []) {
        exprs++;
        if (t.datasource?.uid && t.datasource.uid !== "${datasource}" && t.datasource.uid !== "prometheus")
          fail(`${file} '${p.title}'`, `unknown datasource ${t.datasource.uid}`);
        const expr = t.expr.replace(/\$__rate_interval|\$__interval|\$\w+/g, "5m");
        dashboardExprs.push(expr);
        const names = metricNames(expr);
        if (!names.size) fail(`${file} '${p.title}'`, `no metric in '${t.expr}'`);
        for (const m of names) checkMetric(`${file} '${p.title}'`, m);
      }
    }
    const want = ["request", "latency", "error", "sign-in", "queue", "indexer", "chain", "reputation"];
    for (const w of want)
      if (!titles.some((t) => t.toLowerCase().includes(w))) fail(file, `no panel about '${w}'`);
    ok(`pheme.json: ${titles.length} panels, ${exprs} queries on metrics src/ exports`);
  }
}

// ---- compose ----
{
  const file = path.join(deploy, "compose.yaml");
  const [c] = parseAll(file);
  const svcs = c?.services ?? {};
  const roles = {};
  for (const [name, s] of Object.entries(svcs)) {
    const cmd = s.command ?? [];
    if (Array.isArray(cmd) && cmd[0] === "serve") {
      const i = cmd.indexOf("--role");
      const role = i >= 0 ? cmd[i + 1] : "all";
      (roles[role] ??= []).push(name);
    }
    for (const [k, v] of Object.entries(s.environment ?? {}))
      if (/PASSWORD|SECRET|_KEY|JWT|TOKEN/i.test(k) || /:\/\/[^/@\s]*:[^/@\s]+@/.test(String(v)))
        fail(`${file} ${name}`, `secret-looking value for ${k} in the compose file (use an env file)`);
    for (const e of [].concat(s.env_file ?? []))
      if (!/^secrets\/[a-z]+\.env$/.test(e)) fail(`${file} ${name}`, `env file ${e} is not under secrets/`);
  }
  if ((roles.api ?? []).length < 2) fail(file, `two API nodes wanted, found ${roles.api ?? []}`);
  for (const r of ["worker", "indexer"]) if (!roles[r]) fail(file, `no '${r}' node`);
  for (const s of ["postgres-primary", "postgres-replica", "redis", "nginx", "anvil", "prometheus", "grafana"])
    if (!svcs[s]) fail(file, `no '${s}' service`);
  for (const [name, s] of Object.entries(svcs))
    for (const v of s.volumes ?? []) {
      const src = String(v).split(":")[0];
      if (src.startsWith("./") && !fs.existsSync(path.join(deploy, src))) fail(`${file} ${name}`, `${src} does not exist`);
    }
  for (const f of ["pheme", "postgres", "redis", "grafana"])
    if (!fs.existsSync(path.join(deploy, `secrets/${f}.env.example`))) fail(file, `secrets/${f}.env.example missing`);
  ok(`compose.yaml: ${Object.keys(svcs).length} services; roles ${Object.entries(roles).map(([r, n]) => `${r}=${n.join("+")}`).join(" ")}`);
}

// ---- Kubernetes manifests ----
{
  const dir = path.join(deploy, "k8s");
  let n = 0;
  const kinds = {};
  for (const f of fs.readdirSync(dir).filter((x) => /\.ya?ml$/.test(x)).sort()) {
    for (const obj of parseAll(path.join(dir, f))) {
      n++;
      const where = `${f} ${obj.kind}/${obj.metadata?.name}`;
      const [g, v] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : [null, obj.apiVersion];
      const mod = g ? `kubernetes-models/${g}/${v}/${obj.kind}` : `kubernetes-models/${v}/${obj.kind}`;
      let M;
      try { M = (await import(mod))[obj.kind]; } catch { fail(where, `unknown apiVersion/kind ${obj.apiVersion} ${obj.kind}`); continue; }
      try { new M(obj).validate(); } catch (e) { fail(where, e.message); continue; }
      (kinds[obj.kind] ??= []).push(obj);
    }
  }
  // Beyond the schema: what issue 16 asks of them.
  const deps = kinds.Deployment ?? [];
  const roles = deps.map((d) => d.spec.template.metadata.labels.role);
  for (const r of ["api", "worker", "indexer"]) if (!roles.includes(r)) fail("k8s", `no Deployment for role ${r}`);
  for (const d of deps) {
    const c = d.spec.template.spec.containers[0];
    const role = d.spec.template.metadata.labels.role;
    if (c.readinessProbe?.httpGet?.path !== "/readyz") fail(`k8s ${d.metadata.name}`, "readiness is not /readyz");
    if (c.livenessProbe?.httpGet?.path !== "/healthz") fail(`k8s ${d.metadata.name}`, "liveness is not /healthz");
    const args = c.args ?? [];
    if (args[0] !== "serve" || args[args.indexOf("--role") + 1] !== role) fail(`k8s ${d.metadata.name}`, `args ${args} do not run role ${role}`);
    if (!d.spec.template.spec.securityContext?.runAsNonRoot) fail(`k8s ${d.metadata.name}`, "may run as root");
    const pdb = (kinds.PodDisruptionBudget ?? []).find((p) => p.spec.selector.matchLabels.role === role);
    if (!pdb) fail(`k8s ${d.metadata.name}`, "no PodDisruptionBudget");
    for (const e of c.envFrom ?? []) {
      const ref = e.configMapRef?.name ?? e.secretRef?.name;
      if (e.configMapRef && !(kinds.ConfigMap ?? []).some((m) => m.metadata.name === ref)) fail(`k8s ${d.metadata.name}`, `ConfigMap ${ref} is not in deploy/k8s`);
    }
    if (!(c.envFrom ?? []).some((e) => e.secretRef)) fail(`k8s ${d.metadata.name}`, "no Secret reference");
  }
  const hpas = kinds.HorizontalPodAutoscaler ?? [];
  const types = hpas.flatMap((h) => h.spec.metrics.map((m) => m.type === "External" ? `External:${m.external.metric.name}` : m.type === "Resource" ? `Resource:${m.resource.name}` : `${m.type}`));
  if (!types.includes("Resource:cpu")) fail("k8s", "no HPA on CPU");
  if (!types.some((t) => t.startsWith("External:pheme_jobs"))) fail("k8s", "no HPA on queue depth");
  for (const h of hpas) {
    const t = deps.find((d) => d.metadata.name === h.spec.scaleTargetRef.name);
    if (!t) fail(`k8s HPA ${h.metadata.name}`, `targets ${h.spec.scaleTargetRef.name}, which is not here`);
  }
  const adapter = YAML.parse((kinds.ConfigMap ?? []).find((m) => m.metadata.name === "prometheus-adapter-pheme").data["config.yaml"]);
  const served = new Set([...(adapter.rules ?? []), ...(adapter.externalRules ?? [])].map((r) => r.name.as));
  for (const h of hpas) for (const m of h.spec.metrics) {
    const name = m.external?.metric?.name ?? m.pods?.metric?.name;
    if (name && !served.has(name)) fail(`k8s HPA ${h.metadata.name}`, `metric ${name} has no Prometheus adapter rule`);
  }
  for (const s of kinds.Service ?? []) {
    const sel = s.spec.selector;
    if (!deps.some((d) => Object.entries(sel).every(([k, v]) => d.spec.template.metadata.labels[k] === v)))
      fail(`k8s Service ${s.metadata.name}`, "selects no Deployment's pods");
  }
  for (const i of kinds.Ingress ?? [])
    for (const r of i.spec.rules) for (const p of r.http.paths)
      if (!(kinds.Service ?? []).some((s) => s.metadata.name === p.backend.service.name)) fail(`k8s Ingress ${i.metadata.name}`, `no Service ${p.backend.service.name}`);
  ok(`k8s: ${n} objects valid against the Kubernetes schemas (${Object.entries(kinds).map(([k, v]) => `${v.length} ${k}`).join(", ")})`);
}

// ---- Dockerfile ----
{
  const file = path.join(deploy, "Dockerfile");
  const text = fs.readFileSync(file, "utf8").replace(/\\\n/g, " ");
  const lines = text.split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));
  const stages = [];
  const args = {}; // ARG NAME=default before the first FROM: what ${NAME} in a FROM means by default
  for (const l of lines) {
    const a = !stages.length && l.match(/^ARG\s+(\w+)=(\S+)/);
    if (a) args[a[1]] = a[2];
    const m = l.match(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i);
    if (m) stages.push({ base: m[1].replace(/\$\{(\w+)\}/g, (x, n) => args[n] ?? x), name: m[2], lines: [] });
    else if (stages.length) stages.at(-1).lines.push(l.trim());
  }
  const last = stages.at(-1);
  const has = (re) => last.lines.some((l) => re.test(l));
  if (last.name !== "runtime") fail(file, `the last stage (the default target) is '${last.name}', not runtime`);
  if (!/bookworm-slim$/.test(last.base)) fail(file, `runtime is ${last.base}, not a slim Debian 12`);
  if (!has(/^USER\s+(?!0\b|root\b)\S+/)) fail(file, "runtime has no non-root USER");
  if (!has(/^HEALTHCHECK .*\/healthz/)) fail(file, "no HEALTHCHECK on /healthz");
  if (!has(/^EXPOSE\s+4000\b/)) fail(file, "no EXPOSE 4000");
  if (!has(/^ENTRYPOINT\s+\["pheme"\]/)) fail(file, "ENTRYPOINT is not pheme");
  if (!stages[0].lines.some((l) => /scripts\/deps\.sh/.test(l))) fail(file, "the build stage does not use scripts/deps.sh");
  if (!stages[0].lines.some((l) => /CMAKE_BUILD_TYPE=RelWithDebInfo/.test(l))) fail(file, "the build is not RelWithDebInfo");
  const names = new Set(stages.map((st) => st.name));
  for (const st of stages)
    for (const l of st.lines) {
      const m = l.match(/^COPY\s+(?:--from=(\S+)\s+)?(.*)$/);
      if (!m) continue;
      const args = m[2].split(/\s+/).filter((a) => !a.startsWith("--"));
      if (m[1]) { if (!names.has(m[1])) fail(file, `COPY --from=${m[1]}: no such stage`); continue; }
      for (const src of args.slice(0, -1))
        if (src !== "." && !fs.existsSync(path.join(root, src))) fail(file, `COPY ${src}: not in the repository`);
    }
  ok(`Dockerfile: ${stages.length} stages (${stages.map((st) => st.name).join(", ")}); runtime non-root with HEALTHCHECK, EXPOSE 4000, ENTRYPOINT pheme`);
}

if (exprRules)
  fs.writeFileSync(exprRules, YAML.stringify({ groups: [{ name: "dashboard", rules:
    dashboardExprs.map((expr, i) => ({ record: `pheme:dashboard_query_${i}`, expr })) }] }));

if (failures) { console.error(`deploy-check: ${failures} failure(s)`); process.exit(1); }
