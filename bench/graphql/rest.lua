-- wrk script of the REST side of the nested-query benchmark: the calls a REST client makes for what
-- the one GraphQL query asks (bench/graphql/nested.sh writes them, 22 per person, to the file
-- BENCH_CALLS: the wallet, the person's last 10 submissions, and each one's task and submission
-- with its reviews, each line "API_KEY PATH"). The lines are sent in order, round and round, so
-- every person's whole set is asked; every answer must be 200.
local calls = {}
for line in io.lines(os.getenv("BENCH_CALLS")) do
  local key, path = line:match("^(%S+) (%S+)$")
  calls[#calls + 1] = { key = key, path = path }
end
local i = 0
local bad = 0
request = function()
  i = i % #calls + 1
  local c = calls[i]
  return wrk.format("GET", c.path, { ["Authorization"] = "Bearer " .. c.key })
end
response = function(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
    if bad < 3 then io.stderr:write("bad answer: " .. status .. " " .. string.sub(body, 1, 300) .. "\n") end
  end
end
done = function(summary, latency, requests)
  io.write(string.format("BENCH requests=%d bad=%d p50_us=%d p99_us=%d\n", summary.requests, bad,
    latency:percentile(50), latency:percentile(99)))
end
