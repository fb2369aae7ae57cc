"""OCR microservice: images and documents in, text out. Layers, each importing only those
below it (tests/test_architecture.py holds them): main, api, jobs, extract, ocr, concurrency,
schemas, core."""
