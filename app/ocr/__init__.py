"""The OCR engine and image work, with no HTTP in it. A page travels the folders in this
order: decoding (an upload as pages), preparation (measured and made easy to read), engines
(read), reading (ordered, rows kept whole, noise dropped, readings merged), rendering (every
format from the page tree); pipeline puts the stages together, and results.py is the page
tree they all share. Imports app.concurrency (a job's stop) and app.core only."""
