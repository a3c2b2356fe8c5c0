// BullMQ (npm) on a local redis-server: no-op jobs, one Worker with concurrency 200 (as the issue
// asks), completed jobs removed (BullMQ's fastest setting). Prints the same lines as bench_jobs:
//   bullmq_processing JOBS_PER_S SECONDS   N jobs added first (addBulk, 1000 at a time), then worked
//   bullmq_end_to_end JOBS_PER_S SECONDS   the worker running while PRODUCERS loops add N jobs
//   node bullmq.mjs REDIS_PORT N PRODUCERS
import { Queue, Worker } from 'bullmq'
import IORedis from 'ioredis'

const [portArg, nArg, pArg] = process.argv.slice(2)
const redis = () => new IORedis({ host: '127.0.0.1', port: Number(portArg), maxRetriesPerRequest: null })
const N = Number(nArg), PRODUCERS = Number(pArg || 4)

async function run (name, prefill) {
  const queue = new Queue(name, { connection: redis(), defaultJobOptions: { removeOnComplete: true, removeOnFail: true } })
  if (prefill) {
    for (let done = 0; done < N;) {
      const chunk = []
      for (let i = 0; i < 1000 && done < N; i++, done++) chunk.push({ name: 'noop', data: {} })
      await queue.addBulk(chunk)
    }
  }
  let completed = 0
  let finish
  const allDone = new Promise(resolve => { finish = resolve })
  const t0 = performance.now()
  const worker = new Worker(name, async () => {}, { connection: redis(), concurrency: 200 })
  worker.on('completed', () => { if (++completed === N) finish() })
  let te = 0
  if (!prefill) {
    let next = 0
    await Promise.all(Array.from({ length: PRODUCERS }, async () => {
      while (next < N) { next++; await queue.add('noop', {}) }
    }))
    te = (performance.now() - t0) / 1000
  }
  await allDone
  const t = (performance.now() - t0) / 1000
  await worker.close()
  await queue.obliterate({ force: true })
  await queue.close()
  return [t, te]
}

let [t] = await run('noop-processing', true)
console.log(`bullmq_processing ${Math.round(N / t)} ${t.toFixed(3)}`)
let te
;[t, te] = await run('noop-e2e', false)
console.log(`bullmq_end_to_end ${Math.round(N / t)} ${t.toFixed(3)} (enqueue alone took ${te.toFixed(3)} s: ${Math.round(N / te)}/s)`)
process.exit(0)
