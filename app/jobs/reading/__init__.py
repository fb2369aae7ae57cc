"""How a job's pages are read, by either backend: a page read and stored whole (pages), the
reading loop of a process (processing) and which job's page goes first (priority)."""
