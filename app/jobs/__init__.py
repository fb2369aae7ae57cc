"""Jobs: documents of any size, read in the background (docs/jobs.md)."""
