"""Jobs: documents of any size, read in the background (docs/jobs.md), embedded or
distributed. Imports ocr, concurrency, schemas and core; never the HTTP layer."""
