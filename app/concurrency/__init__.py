"""The service's concurrency: how many OCR threads, what is admitted, and the pool that runs it."""
