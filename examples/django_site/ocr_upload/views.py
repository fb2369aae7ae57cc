"""The upload page: a form sends the image to the OCR service and shows the text."""

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ocr_client import (
    AuthenticationError,
    BadRequestError,
    OCRError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)

from ocr_upload.forms import UploadForm
from ocr_upload.ocr import ocr_client

logger = logging.getLogger(__name__)

# What the person uploading can fix: shown next to the field.
USER_ERRORS = (BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError)


def upload(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "ocr_upload/upload.html", {"form": UploadForm()})
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "ocr_upload/upload.html", {"form": form}, status=400)
    image = form.cleaned_data["image"]
    try:
        prediction = ocr_client().predict(image.read(), filename=image.name)
    except USER_ERRORS as error:
        form.add_error("image", error.detail)
        return render(request, "ocr_upload/upload.html", {"form": form}, status=400)
    except AuthenticationError:
        logger.error("The OCR service refused OCR_SERVICE_TOKEN")
        return _unavailable(request, form, status=502)
    except OCRError:
        # Busy after the client's retries, unreachable, or failing: the page says try again.
        logger.exception("OCR request failed")
        return _unavailable(request, form, status=503)
    context = {"form": UploadForm(), "result": prediction}
    return render(request, "ocr_upload/upload.html", context)


def _unavailable(request: HttpRequest, form: UploadForm, *, status: int) -> HttpResponse:
    context = {"form": form, "unavailable": True}
    return render(request, "ocr_upload/upload.html", context, status=status)
