-- wrk 4.1 script: the requests of bench/http/load.lua (its MODE and COUNT arguments, answers
-- checked, the same BENCH line at the end), each from a client of its own. Every request carries
-- X-Forwarded-For 10.T.H.L, counting up per wrk thread (T), and the server trusts 127.0.0.1 as a
-- proxy, so every rate-limit check meets a bucket no request used before: with Redis each is one
-- exact call (a new bucket holds no lease), the cost a node pays for many light clients.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "../http/load.lua")

local checked_request = request
local n = 0

function request()
  n = n + 1
  local ip = string.format("10.%d.%d.%d", (tid or 1) % 256, math.floor(n / 256) % 256, n % 256)
  return (checked_request():gsub("\r\n", "\r\nX-Forwarded-For: " .. ip .. "\r\n", 1))
end
