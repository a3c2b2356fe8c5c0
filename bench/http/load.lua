-- wrk 4.1 script for the PHEME HTTP benchmark (bench/http/run.sh drives it).
--
--   wrk ... -s bench/http/load.lua URL -- MODE COUNT [SAMPLE]
--
-- MODE tasks    GET /api/v1/tasks/:id,          id uniform over 1..COUNT
-- MODE wallets  GET /api/v1/wallets/:address,   user id uniform over 1..COUNT; the seeded
--               address of user n is 0xbe9c5eed, 8 zero bytes, n as 8 big-endian bytes
-- MODE fixed    the same random /api/v1/tasks/:id paths, for the reference servers (nginx,
--               Node), which answer a constant: only the status is checked
--
-- Every response: a non-2xx status is counted (and fails the run in run.sh). Responses of our
-- endpoints start with the row's key at a fixed offset ({"id":N, / {"address":"0x…"; addresses are
-- compared case-insensitively, as they may be EIP-55 checksummed), and the
-- script keeps the multiset of requests in flight (at most one per connection, no pipelining):
-- each response's key must be one that was asked for and not answered yet, else it is a
-- mismatch. Every SAMPLE-th response (default 100) is checked in depth: status 200 and the body
-- holds the fields that only the requested row has (title "Benchmark task N", creator / address,
-- displayName "seed-N").
--
-- One line is printed at the end for run.sh to parse:
--   BENCH requests=… duration_us=… rps=… p50_us=… p99_us=… non2xx=… sock_errors=… checked=… mismatches=…

local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

-- Per-thread state: globals, so done() can read them with thread:get.
mode, count, sample = "tasks", 1, 100
responses, non2xx, checked, mismatches = 0, 0, 0, 0
local inflight = {}
local next_sample = 0

local function addr_of(n)
  return string.format("0xbe9c5eed0000000000000000%016x", n)
end

function init(args)
  mode = args[1] or "tasks"
  count = tonumber(args[2] or "1")
  sample = tonumber(args[3] or "100")
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
  next_sample = math.random(sample)
end

function request()
  local n = math.random(count)
  local key, path
  if mode == "wallets" then
    key = addr_of(n)
    path = "/api/v1/wallets/" .. key
  else
    key = tostring(n)
    path = "/api/v1/tasks/" .. key
  end
  if mode ~= "fixed" then inflight[key] = (inflight[key] or 0) + 1 end
  return wrk.format("GET", path)
end

local function deep_check(status, body, key)
  if status ~= 200 then return false end
  -- addresses may come back EIP-55 checksummed (mixed case): compare lowercased
  local lb = body:lower()
  if mode == "tasks" then
    local n = tonumber(key)
    return lb:find('"title":"benchmark task ' .. key .. '"', 1, true) ~= nil
       and lb:find('"creator":"' .. addr_of(n) .. '"', 1, true) ~= nil
  else
    local n = tonumber(key:sub(27), 16)
    return lb:find('"profile":{"address":"' .. key .. '"', 1, true) ~= nil
       and lb:find('"displayname":"seed-' .. n .. '"', 1, true) ~= nil
  end
end

function response(status, headers, body)
  responses = responses + 1
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
  if mode == "fixed" then return end
  local key
  if mode == "tasks" then
    key = body:match('^{"id":(%d+),')
  else
    key = body:match('^{"address":"(0x%x+)"')
    if key then key = key:lower() end
  end
  local k = key and inflight[key]
  if not k then
    mismatches = mismatches + 1
    return
  end
  if k == 1 then inflight[key] = nil else inflight[key] = k - 1 end
  if responses >= next_sample then
    next_sample = next_sample + sample
    checked = checked + 1
    if not deep_check(status, body, key) then mismatches = mismatches + 1 end
  end
end

function done(summary, latency, requests)
  local r, nx, ck, mm = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    r = r + (t:get("responses") or 0)
    nx = nx + (t:get("non2xx") or 0)
    ck = ck + (t:get("checked") or 0)
    mm = mm + (t:get("mismatches") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d non2xx=%d status_errors=%d " ..
    "sock_errors=%d checked=%d mismatches=%d script_responses=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), nx, e.status,
    e.connect + e.read + e.write + e.timeout, ck, mm, r))
end
