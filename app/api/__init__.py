"""The HTTP layer: routes, dependencies, middleware, the HTTP schemas' use and the one mapping
of domain errors to JSON. It may import every layer below it (jobs, extract, ocr,
concurrency, schemas, core); nothing below imports it."""
