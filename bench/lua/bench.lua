-- wrk script of grantd's benchmark suite (bench/run.sh).
--   wrk ... -s bench/lua/bench.lua -- SCENARIO TOKENS_FILE AUTH_HEADER CLIENT_ID ARG
-- SCENARIO:
--   check       POST /applications/CLIENT_ID/token {"access_token": random token}   (grantd, reference)
--               (check, introspect, user: ARG = draw tokens from the first ARG lines only)
--   introspect  POST /token/introspection token=random token                      (oidc-provider)
--   user        GET /user with "Authorization: token T"
--   list        GET /authorizations with Basic login:password
--   pat         POST /authorizations {"note": ARG-n, "scopes": ["user"]}, Basic login:password
--   reset       PATCH /applications/CLIENT_ID/token: each token is used once; the new token of
--               each answer joins the supply. ARG = first line of tokens.txt to use.
-- Every answer is checked (status and a marker in the body); done() prints one BENCH_RESULT line
-- with the figures and the number of bad answers, and a sample of the first bad one.

local scenario, tokens_file, auth, client_id, arg5

local expect = {
  check = { 200, '"hashed_token":"' },
  introspect = { 200, '"active":true' },
  user = { 200, '"login":"' },
  list = { 200, '"hashed_token":"' },
  pat = { 201, '"token":"ghp_' },
  reset = { 200, '"token":"gho_' },
}

local tokens = {}
local queue_head = 1
local queue_tail = 0 -- reset: tokens[queue_head .. queue_tail] are unused
local counter = 0
bad = 0
good = 0
sample = ""

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

local function load_tokens(first, count)
  local i = 0
  for line in io.lines(tokens_file) do
    i = i + 1
    if i >= first and (count == nil or i < first + count) and #line > 0 then
      tokens[#tokens + 1] = line
    end
  end
end

-- check, introspect and user draw at random from up to a million tokens. Held in wrk's LuaJIT heap
-- (as a million strings, or as one 40 MB string), they made wrk spend more CPU a request than it
-- spends at 10k tokens (LuaJIT collects when its heap has doubled, and interns every
-- answer body as a new string), so that wrk, not the server, set the pace: at 1M tokens the server
-- core sat idle 6-12 % of the time and the p99 doubled. The tokens are kept outside the heap
-- instead, in memory from malloc, as fixed-width records (padded with spaces where widths differ),
-- and copied out one at a time.
local ffi = require("ffi")
ffi.cdef([[void *malloc(size_t size);]])
local drawn, width, count_drawn, ragged = nil, 0, 0, false

local function load_drawn(count)
  load_tokens(1, count)
  for _, t in ipairs(tokens) do
    if #t ~= width then
      ragged = width ~= 0
      if #t > width then width = #t end
    end
  end
  count_drawn = #tokens
  drawn = ffi.cast("char *", ffi.C.malloc(math.max(1, count_drawn * width)))
  if drawn == nil then
    error("cannot allocate " .. count_drawn * width .. " bytes for the tokens")
  end
  for n, t in ipairs(tokens) do
    ffi.copy(drawn + (n - 1) * width, t .. string.rep(" ", width - #t), width)
  end
  tokens = {}
  collectgarbage()
end

function init(args)
  scenario, tokens_file, auth, client_id, arg5 = args[1], args[2], args[3], args[4], args[5]
  math.randomseed(os.time() + os.clock() * 1000000)
  if scenario == "reset" then
    load_tokens(tonumber(arg5), 2000)
    queue_tail = #tokens
  elseif scenario == "check" or scenario == "introspect" or scenario == "user" then
    load_drawn(tonumber(arg5)) -- ARG: how many lines to draw from (the rest is reset's)
  end
  if expect[scenario] == nil then
    error("unknown scenario " .. tostring(scenario))
  end
end

local function random_token()
  local t = ffi.string(drawn + (math.random(count_drawn) - 1) * width, width)
  if ragged then
    t = string.match(t, "^%S+")
  end
  return t
end

function request()
  if scenario == "check" then
    return wrk.format("POST", "/applications/" .. client_id .. "/token",
      { ["Authorization"] = auth, ["Content-Type"] = "application/json" },
      '{"access_token":"' .. random_token() .. '"}')
  elseif scenario == "introspect" then
    return wrk.format("POST", "/token/introspection",
      { ["Authorization"] = auth, ["Content-Type"] = "application/x-www-form-urlencoded" },
      "token=" .. random_token() .. "&token_type_hint=access_token")
  elseif scenario == "user" then
    return wrk.format("GET", "/user", { ["Authorization"] = "token " .. random_token() })
  elseif scenario == "list" then
    return wrk.format("GET", "/authorizations", { ["Authorization"] = auth })
  elseif scenario == "pat" then
    counter = counter + 1
    return wrk.format("POST", "/authorizations",
      { ["Authorization"] = auth, ["Content-Type"] = "application/json" },
      '{"note":"' .. arg5 .. "-" .. counter .. '","scopes":["user"]}')
  else -- reset
    local t = "gho_exhausted000000000000000000000000000"
    if queue_head <= queue_tail then
      t = tokens[queue_head]
      tokens[queue_head] = nil
      queue_head = queue_head + 1
    end
    return wrk.format("PATCH", "/applications/" .. client_id .. "/token",
      { ["Authorization"] = auth, ["Content-Type"] = "application/json" },
      '{"access_token":"' .. t .. '"}')
  end
end

function response(status, headers, body)
  local e = expect[scenario]
  if status == e[1] and body ~= nil and string.find(body, e[2], 1, true) then
    good = good + 1
    if scenario == "reset" then
      local new = string.match(body, '"token":"(gho_[%w]+)"')
      if new then
        queue_tail = queue_tail + 1
        tokens[queue_tail] = new
      end
    end
  else
    bad = bad + 1
    if sample == "" then
      sample = tostring(status) .. " " .. string.sub(tostring(body), 1, 200)
    end
  end
end

function done(summary, latency, requests)
  local nbad, ngood = 0, 0
  local first = ""
  for _, t in ipairs(threads) do
    nbad = nbad + (t:get("bad") or 0)
    ngood = ngood + (t:get("good") or 0)
    local s = t:get("sample")
    if first == "" and s ~= nil then first = s end
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d mean_us=%.1f good=%d bad=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.mean,
    ngood, nbad, e.connect + e.read + e.write + e.timeout))
  if first ~= "" then
    io.write("BENCH_SAMPLE " .. string.gsub(first, "\n", " ") .. "\n")
  end
end
