// pg-boss (npm) at its fastest: no-op jobs, WORKERS workers fetching BATCH at a time, each woken
// again right after a full batch instead of sleeping its polling interval (0.5 s, the least
// pg-boss allows). Prints the same lines as bench_jobs:
//   pgboss_processing JOBS_PER_S SECONDS   N jobs inserted first (1000 per insert), then worked
//   pgboss_end_to_end JOBS_PER_S SECONDS   workers running while PRODUCERS loops send N jobs
// Done means completed in the database (pg-boss completes after the handler returns).
//   node pgboss.mjs URL N WORKERS BATCH PRODUCERS
import PgBoss from 'pg-boss'
import pg from 'pg'

const [url, nArg, wArg, bArg, pArg] = process.argv.slice(2)
const N = Number(nArg), WORKERS = Number(wArg), BATCH = Number(bArg), PRODUCERS = Number(pArg || 4)
const boss = new PgBoss({ connectionString: url, max: WORKERS + PRODUCERS + 2, supervise: false, schedule: false })
boss.on('error', e => { console.error('pg-boss:', e.message); process.exit(1) })
await boss.start()
const counter = new pg.Client({ connectionString: url })
await counter.connect()

async function completed (name) {
  const r = await counter.query("SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state = 'completed'", [name])
  return r.rows[0].n
}
async function waitDone (name) {
  for (;;) {
    if (await completed(name) >= N) return
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}
async function startWorkers (name) {
  const ids = []
  for (let i = 0; i < WORKERS; i++) {
    let id = null
    id = await boss.work(name, { batchSize: BATCH, pollingIntervalSeconds: 0.5 }, async jobs => {
      if (jobs.length === BATCH) boss.notifyWorker(id)
    })
    ids.push(id)
  }
  return ids
}

// processing alone
const q1 = 'noop_processing_' + process.pid
await boss.createQueue(q1)
for (let done = 0; done < N;) {
  const chunk = []
  for (let i = 0; i < 1000 && done < N; i++, done++) chunk.push({ name: q1, data: {} })
  await boss.insert(chunk)
}
let t0 = performance.now()
await startWorkers(q1)
await waitDone(q1)
let t = (performance.now() - t0) / 1000
console.log(`pgboss_processing ${Math.round(N / t)} ${t.toFixed(3)}`)
await boss.offWork(q1)

// end to end
const q2 = 'noop_e2e_' + process.pid
await boss.createQueue(q2)
await startWorkers(q2)
t0 = performance.now()
let next = 0
await Promise.all(Array.from({ length: PRODUCERS }, async () => {
  while (next < N) { next++; await boss.send(q2, {}) }
}))
const te = (performance.now() - t0) / 1000
await waitDone(q2)
t = (performance.now() - t0) / 1000
console.log(`pgboss_end_to_end ${Math.round(N / t)} ${t.toFixed(3)} (enqueue alone took ${te.toFixed(3)} s: ${Math.round(N / te)}/s)`)
await boss.offWork(q2)
await counter.end()
await boss.stop({ graceful: false, wait: false })
process.exit(0)
