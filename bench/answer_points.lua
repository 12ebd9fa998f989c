-- wrk script of bench/bench_answers.py: each request asks about a random point over Greater London (the box
-- -0.51..0.33 E, 51.28..51.70 N; fixed seeds), or, with BENCH_REFS, about a random bay of that file (one
-- "source/ref" a line) at BENCH_PATH with {bay} replaced. BENCH_EXTRA is appended to the query.
local path = os.getenv("BENCH_PATH") or "/v1/can-i-park"
local extra = os.getenv("BENCH_EXTRA") or ""
local refs_file = os.getenv("BENCH_REFS")
local refs = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", 20260302 + counter)
end

function init(args)
  math.randomseed(seed)
  if refs_file then
    for line in io.lines(refs_file) do refs[#refs + 1] = line end
  end
end

function request()
  if #refs > 0 then
    local bay = refs[math.random(#refs)]
    return wrk.format("GET", string.gsub(path, "{bay}", bay) .. "?" .. extra)
  end
  local lat = 51.28 + math.random() * (51.70 - 51.28)
  local lon = -0.51 + math.random() * (0.33 + 0.51)
  return wrk.format("GET", string.format("%s?lat=%.6f&lon=%.6f%s", path, lat, lon, extra))
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors=%d non2xx=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
