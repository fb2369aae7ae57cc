"""Preparing a page for Tesseract: measured (analysis), changed (transforms), and mapped
back to the pixels as sent (geometry); the segmentation is chosen by layout."""
