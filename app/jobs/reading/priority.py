"""Job pages read at the lowest CPU priority, so interactive requests get a core first."""

import logging
import os
import sys
import threading

logger = logging.getLogger("app.jobs")

LOWEST_PRIORITY = 19


def lower_priority() -> None:
    """Nice the calling thread (Linux schedules threads apart; elsewhere this is a no-op)."""
    if sys.platform != "linux":
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST_PRIORITY)
    except OSError:  # not permitted here: the job pages compete as equals
        logger.warning("Could not lower the job readers' CPU priority")
