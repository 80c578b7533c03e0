-- wrk script: the log-in -> dashboard flow.  Each connection posts the
-- log-in form, takes the session cookie from the answer and fetches the
-- dashboard with it, then starts over.  The pre-session cookie and its
-- CSRF token come from the environment (tools/bench fetches one pair).
local pre = os.getenv("SR_PRE")
local csrf = os.getenv("SR_CSRF")
local user = os.getenv("SR_USER")
local password = os.getenv("SR_PASSWORD")
local session = nil
local body = "_csrf=" .. csrf .. "&username=" .. user .. "&password=" .. password

request = function()
  if session then
    local cookie = "sr_session=" .. session
    session = nil
    return wrk.format("GET", "/admin/", { ["Cookie"] = cookie })
  end
  return wrk.format("POST", "/admin/login", {
    ["Cookie"] = "sr_pre=" .. pre,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end

response = function(status, headers, _)
  local c = headers["Set-Cookie"]
  if status == 303 and c then
    session = string.match(c, "sr_session=([^;]+)")
  end
end
