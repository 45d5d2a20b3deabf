-- wrk script for the benchmark. wrk cannot talk to a forward proxy by itself, so when
-- BENCH_TARGET is set (an absolute URI such as http://127.0.0.1:8080/small) wrk is pointed
-- at the proxy's host:port and sends that absolute URI as the request target, with the
-- origin's Host header: an absolute-form request, as a browser configured with a proxy
-- sends it. Without BENCH_TARGET the request is the usual origin-form one (direct runs).
-- done() prints one machine-readable line that bench/run.sh parses.
local target = os.getenv("BENCH_TARGET")
if target and target ~= "" then
  wrk.path = target
  wrk.headers["Host"] = target:match("^%a+://([^/]+)")
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d bytes=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d "
      .. "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
