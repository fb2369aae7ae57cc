"""What a reading needs after Tesseract: two readings merged (consensus), noise words dropped,
words run together split (spacing), rows of figures joined (rows)."""
