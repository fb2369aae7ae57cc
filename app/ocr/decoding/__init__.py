"""The first stage: an upload's bytes as page images, safely (format from the content, limits
checked first), PDF pages rendered or taken from their text layer, a document cut into one
file a page. Imports app.ocr.results and core."""
