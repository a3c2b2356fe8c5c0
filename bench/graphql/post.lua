-- wrk script of the nested-query benchmark: POST /graphql with the wallet query for a random one
-- of the seeded people (addresses 0xbe9c5eed…<id>, as `pheme seed bench` makes them); every
-- answer must be 200 and hold data, or the run is invalid.
local users = tonumber(os.getenv("BENCH_USERS") or "2000")
local key = os.getenv("BENCH_KEY") or ""
local query = [[query W($a: Bytes!) { wallet(address: $a) { address xp skills { slug level xp } badges { slug name } guilds { slug role } user { submissions(first: 10) { id state task { title } reviews { round score } } } } }]]
local bad = 0
math.randomseed(os.time())
request = function()
  local id = math.random(1, users)
  local addr = string.format("0xbe9c5eed0000000000000000%016x", id)
  local body = '{"query":"' .. query .. '","variables":{"a":"' .. addr .. '"}}'
  local headers = { ["Content-Type"] = "application/json" }
  if key ~= "" then headers["Authorization"] = "Bearer " .. key end
  return wrk.format("POST", "/graphql", headers, body)
end
response = function(status, headers, body)
  if status ~= 200 or not string.find(body, '"submissions":%[{', 1, false) or string.find(body, '"errors"', 1, true) then
    bad = bad + 1
    if bad < 3 then io.stderr:write("bad answer: " .. status .. " " .. string.sub(body, 1, 300) .. "\n") end
  end
end
done = function(summary, latency, requests)
  io.write(string.format("BENCH requests=%d bad=%d p50_us=%d p99_us=%d\n", summary.requests, bad,
    latency:percentile(50), latency:percentile(99)))
end
