"""The pieces a document's fields are read from: amounts, dates and their locales, labels
matched through OCR's misreadings, and a page's words as rows and lines. Imports only
app.ocr.results and app.ocr.reading."""
