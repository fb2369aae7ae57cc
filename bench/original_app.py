"""What the original service did, for comparison only: pytesseract inside an `async def` view.

Every request starts a tesseract process and waits for it on the event loop, so requests run
one at a time while OpenMP spins on every core. Served by gunicorn with its defaults.
"""

from io import BytesIO

import pytesseract
from fastapi import FastAPI, UploadFile
from PIL import Image

app = FastAPI()


@app.post("/")
async def predict(file: UploadFile) -> dict[str, object]:
    image = Image.open(BytesIO(await file.read()))
    text = pytesseract.image_to_string(image)
    return {"results": [line for line in text.split("\n") if line.strip()], "original": text}
