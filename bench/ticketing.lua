-- wrk script for bench/bench_ticketing.py: POST requests rotating over a list of targets.
--
-- Arguments after `--`: a bearer token (or "-" for none), then pairs of path and JSON body
-- (an empty body is sent with Content-Length: 0). Requests are built once in init(), so the
-- load generator spends its core on sending, not on Lua.
-- done() prints one line `BENCH_JSON {...}` with the figures the bench reads (times in µs).

local prepared = {}
local counter = 0

function init(args)
  local headers = { ["Content-Type"] = "application/json" }
  if args[1] ~= "-" then
    headers["Authorization"] = "Bearer " .. args[1]
  end
  for i = 2, #args, 2 do
    prepared[#prepared + 1] = wrk.format("POST", args[i], headers, args[i + 1] or "")
  end
  counter = math.random(#prepared) - 1
end

function request()
  counter = counter % #prepared + 1
  return prepared[counter]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, '
      .. '"status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max
  ))
end
