-- wrk script: POST /api/ask, every request a question the server has not seen before, and
-- print a JSON summary wrk's own report lacks.
-- The file given after `--` holds one question a line, already escaped for a JSON string.
-- Each wrk thread walks the list from its own starting place; a thread's first pass sends
-- the questions as written only on thread 1, every other pass (and thread) adds a number of
-- its own, "(3.2)", so no text repeats and neither the answer cache nor the engine's memo
-- of recent vectors can skip the work. A second argument "repeat" sends the questions as
-- written, over and over (the cache-on run).
local questions = {}
local position = 1
local thread_number = 0
local pass = 0
local counter = 0
local fresh = true

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)  -- a global in that thread's own Lua state
end

function init(args)
  for line in io.lines(args[1]) do
    questions[#questions + 1] = line
  end
  thread_number = id or 1
  fresh = args[2] ~= "repeat"
  position = ((thread_number - 1) * 7919) % #questions + 1
end

function request()
  local text = questions[position]
  if fresh and (thread_number ~= 1 or pass > 0) then
    text = text .. " (" .. thread_number .. "." .. pass .. ")"
  end
  position = position + 1
  if position > #questions then
    position = 1
  end
  if position == ((thread_number - 1) * 7919) % #questions + 1 then
    pass = pass + 1
  end
  return wrk.format("POST", "/api/ask", {["Content-Type"] = "application/json"},
                    '{"question": "' .. text .. '"}')
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.2f, "p90_ms": %.2f, ' ..
    '"p99_ms": %.2f, "max_ms": %.2f, "connect_errors": %d, "read_errors": %d, "write_errors": %d, ' ..
    '"timeouts": %d, "non_2xx": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.connect, e.read, e.write, e.timeout, e.status))
end
