-- wrk script: GET / from N distinct clients, each named by X-Forwarded-For (grantd runs with
-- --trusted-proxy 127.0.0.1), drawn at random; the answers that were not 2xx/3xx are counted.
--   wrk ... -s bench/lua/sources.lua -- N
-- done() prints one line: the number of answers that were not 2xx or 3xx, and socket errors.
local sources = 1000

function init(args)
  sources = tonumber(args[1]) or 1000
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))
end

function request()
  local i = math.random(0, sources - 1)
  local ip = string.format("10.%d.%d.%d", math.floor(i / 65536) % 256, math.floor(i / 256) % 256, i % 256)
  return wrk.format("GET", "/", { ["X-Forwarded-For"] = ip })
end

function done(summary, latency, requests)
  io.write(string.format("non-200 answers: %d (socket errors: %d)\n", summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
