-- wrk script of bench/load.sh: each connection asks for the pages of a
-- targets file in turn ("PATH<TAB>COOKIE" a line; an empty cookie asks as
-- an anonymous visitor), counts every answer that is not 2xx, and prints
-- the run's figures as one line of JSON at the end. With THINK_MS > 0 a
-- connection pauses before each request, uniformly 0..2×THINK_MS (wrk's
-- latency counts from the request's sending, without the pause).
--
-- Usage: wrk … -s bench/load.lua http://HOST:PORT -- TARGETS [THINK_MS]

local threads = {}

function setup(thread)
    thread:set("id", #threads)
    table.insert(threads, thread)
end

function init(args)
    requests_ = {}
    for line in io.lines(args[1]) do
        local path, cookie = line:match("^([^\t]+)\t?(.*)$")
        if path then
            local headers = {}
            if cookie ~= "" then headers["Cookie"] = cookie end
            table.insert(requests_, wrk.format("GET", path, headers))
        end
    end
    assert(#requests_ > 0, "no targets in " .. args[1])
    -- Threads start at different pages, so that the crowd is mixed at once.
    next_ = wrk.thread:get("id") * 3 % #requests_
    bad = 0
    statuses = {}
    local think = tonumber(args[2] or "0")
    if think > 0 then
        math.randomseed(os.time() + wrk.thread:get("id"))
        delay = function() return math.random(0, 2 * think) end
    end
end

function request()
    next_ = next_ % #requests_ + 1
    return requests_[next_]
end

function response(status, headers, body)
    if status < 200 or status > 299 then
        bad = bad + 1
        statuses[status] = (statuses[status] or 0) + 1
    end
end

function done(summary, latency, requests)
    local bad_total, counts, by_status = 0, {}, {}
    for _, t in ipairs(threads) do
        bad_total = bad_total + t:get("bad")
        for status, n in pairs(t:get("statuses")) do
            counts[status] = (counts[status] or 0) + n
        end
    end
    for status, n in pairs(counts) do
        by_status[#by_status + 1] = string.format('"%d": %d', status, n)
    end
    local e = summary.errors
    local us = function(p) return latency:percentile(p) end
    io.write(string.format(
        '{"requests": %d, "seconds": %.3f, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
        '"max_us": %d, "mean_us": %.0f, "non_2xx": %d, "statuses": {%s}, ' ..
        '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}}\n',
        summary.requests, summary.duration / 1e6, us(50), us(90), us(99),
        latency.max, latency.mean, bad_total, table.concat(by_status, ", "),
        e.connect, e.read, e.write, e.timeout))
end
