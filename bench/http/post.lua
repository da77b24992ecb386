-- wrk: every request a POST of the same 13-byte body (answered with it by both servers).
wrk.method = "POST"
wrk.body = "hello, world!"
wrk.headers["Content-Type"] = "text/plain"
