-- wrk script: each request asks about a random point in Camden (the bundled CPZ's bounding box).
-- PATH (environment) is the endpoint, e.g. /v1/can-i-park or /v1/_bench/nearest; EXTRA is appended to the query.
local path = os.getenv("BENCH_PATH") or "/v1/can-i-park"
local extra = os.getenv("BENCH_EXTRA") or ""
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", 20260302 + counter)
end

function init(args)
  math.randomseed(seed)
end

function request()
  local lat = 51.513 + math.random() * (51.571 - 51.513)
  local lon = -0.2135 + math.random() * (-0.1053 + 0.2135)
  return wrk.format("GET", string.format("%s?lat=%.6f&lon=%.6f%s", path, lat, lon, extra))
end

function done(summary, latency, requests)
  io.write(string.format("RESULT path=%s requests=%d errors=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f\n",
    path, summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
