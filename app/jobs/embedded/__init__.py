"""The single-machine jobs backend: SQLite records, DATA_DIR files, in-process readers."""
