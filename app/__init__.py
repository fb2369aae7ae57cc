"""OCR microservice: images and documents in, text out."""
