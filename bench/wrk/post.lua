-- One signed webhook, posted again and again over keep-alive connections. The body and the
-- Authorization header come from files named by BENCH_BODY and BENCH_AUTH.
local function read(path)
  local file = assert(io.open(path, "rb"))
  local text = file:read("*a")
  file:close()
  return text
end

wrk.method = "POST"
wrk.body = read(os.getenv("BENCH_BODY"))
wrk.headers["Content-Type"] = "application/webhook+json"
wrk.headers["Authorization"] = read(os.getenv("BENCH_AUTH"))
wrk.headers["User-Agent"] = "LiveKit"
