"""Pure ASGI middleware, run before any route: the token gate and rate limits (from the
headers, before the body), the body's size and pace, security headers and CORS, and the path
prefix behind a gateway. Imports app.api.deps for the settings resolved at start, and core."""
