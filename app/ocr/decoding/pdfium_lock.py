"""The one lock for PDFium.

PDFium may be used by one thread at a time in the whole process, even on two documents
(pypdfium2's own advice): every use of it in the service holds this lock.
"""

import threading

PDFIUM = threading.RLock()
