"""The OCR engine and image work. Nothing in this package knows about HTTP."""
