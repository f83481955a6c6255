-- wrk script for the benchmark: random path (and ETag) from a file, random partner key from another.
-- wrk -s request.lua URL -- PATHS_FILE KEYS_FILE [METHOD] [BODY_FILE]
-- A line of PATHS_FILE is "path" or "path<TAB>etag" (the etag is then sent as If-None-Match); a key "-" sends none.
-- Prints one line of JSON at the end: totals, latency percentiles (microseconds) and status counts.

local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local paths, etags, keys, method, body
codes = {}

local function lines(file)
  local out = {}
  for line in io.lines(file) do
    if #line > 0 then out[#out + 1] = line end
  end
  return out
end

function init(args)
  paths, etags = {}, {}
  for i, line in ipairs(lines(args[1])) do
    local path, etag = line:match("^([^\t]+)\t(.+)$")
    paths[i] = path or line
    etags[i] = etag
  end
  keys = lines(args[2])
  method = args[3] or "GET"
  if args[4] and args[4] ~= "-" then
    local f = assert(io.open(args[4], "rb"))
    body = f:read("*a")
    f:close()
  end
  math.randomseed(1000 + id)
end

function request()
  local i = math.random(#paths)
  local headers = {}
  local key = keys[math.random(#keys)]
  if key ~= "-" then headers["X-API-Key"] = key end
  if etags[i] then headers["If-None-Match"] = etags[i] end
  if body then headers["Content-Type"] = "application/json" end
  return wrk.format(method, paths[i], headers, body)
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    local c = thread:get("codes") or {}
    for status, n in pairs(c) do merged[status] = (merged[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(merged) do parts[#parts + 1] = string.format('"%d":%d', status, n) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"stdev":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d},"codes":{%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    table.concat(parts, ",")))
end
