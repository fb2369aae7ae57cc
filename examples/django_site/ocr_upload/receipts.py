"""The receipts page: upload a receipt, the OCR service extracts its data (POST /v1/extract),
the site stores its merchant, date and total, and lists what it has stored."""

import datetime
import logging
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from ocr_client import AuthenticationError, Extraction, OCRError

from ocr_upload.forms import ReceiptForm
from ocr_upload.models import Receipt
from ocr_upload.ocr import ocr_client
from ocr_upload.views import USER_ERRORS

logger = logging.getLogger(__name__)


def receipts(request: HttpRequest) -> HttpResponse:
    stored = Receipt.objects.all()[:50]
    if request.method != "POST":
        return render(
            request, "ocr_upload/receipts.html", {"form": ReceiptForm(), "receipts": stored}
        )
    form = ReceiptForm(request.POST, request.FILES)
    if not form.is_valid():
        context = {"form": form, "receipts": stored}
        return render(request, "ocr_upload/receipts.html", context, status=400)
    upload = form.cleaned_data["receipt"]
    try:
        found = ocr_client().extract(upload.read(), filename=upload.name, kind="receipt")
    except USER_ERRORS as error:
        form.add_error("receipt", error.detail)
        return render(
            request, "ocr_upload/receipts.html", {"form": form, "receipts": stored}, status=400
        )
    except (AuthenticationError, OCRError):
        logger.exception("Extraction failed")
        context = {"form": form, "receipts": stored, "unavailable": True}
        return render(request, "ocr_upload/receipts.html", context, status=503)
    store(found)
    return redirect("receipts")


def store(found: Extraction) -> Receipt:
    """A row for the receipt; a field the receipt does not print stays empty."""
    date = found.value("transaction_date")
    total = found.value("total")
    return Receipt.objects.create(
        merchant=found.value("merchant_name") or "",
        date=datetime.date.fromisoformat(date) if date else None,
        total=Decimal(total) if total else None,
        currency=found.value("currency") or "",
        consistent=found.consistent,
    )
