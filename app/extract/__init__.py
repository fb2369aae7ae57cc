"""Documents as data: a receipt's or an invoice's fields, items and checks, from a reading's
page tree (words and their boxes). Pure domain code: it imports app.ocr.results and no
FastAPI, no engine."""
