"""The service's concurrency: how many OCR threads, what is admitted, the pool that runs it,
and when a piece of work must stop. Imports app.core only."""
