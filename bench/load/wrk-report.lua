-- wrk's done() hook: prints the percentiles `--latency` omits (p99.9) in a line wrk.ts parses.
-- Only done() is defined, so wrk keeps its static request and calls no Lua per request.
done = function(summary, latency, requests)
  io.write(string.format("weft-bench latency_us p50=%.1f p90=%.1f p99=%.1f p99.9=%.1f max=%.1f mean=%.1f\n",
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean))
end
