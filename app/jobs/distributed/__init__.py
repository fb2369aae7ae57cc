"""The jobs backend past one machine: Redis records, a dramatiq queue, S3-compatible files."""
