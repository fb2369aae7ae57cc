from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from ocr_client import Engine

from ocr_upload.jobs import is_document

# The service's engines (GET /v1/engines); empty leaves the choice to its OCR_ENGINE.
ENGINES: dict[str, Engine] = {"auto": "auto", "tesseract": "tesseract", "neural": "neural"}
READERS = [
    ("", "The service's default"),
    ("auto", "Tesseract, and the neural reader where it hesitates"),
    ("tesseract", "Tesseract"),
    ("neural", "The neural reader (receipts, forms, photos)"),
]


class UploadForm(forms.Form):
    image = forms.FileField(
        label="Image or document",
        help_text="A photo or scan with text on it, or a PDF or TIFF of any length.",
    )
    reader = forms.ChoiceField(label="Reader", choices=READERS, required=False)

    def clean_image(self) -> UploadedFile:
        image: UploadedFile = self.cleaned_data["image"]
        if (image.size or 0) > settings.OCR_MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is too large.")
        return image

    def engine(self) -> Engine | None:
        """The engine the valid form asks for, None for the service's own default."""
        return ENGINES.get(self.cleaned_data.get("reader") or "")

    def as_job(self) -> bool:
        """Whether the valid upload goes to the service as a job: a PDF or TIFF (told by its
        first bytes), or any file from OCR_JOB_MIN_BYTES on."""
        image: UploadedFile = self.cleaned_data["image"]
        return (image.size or 0) >= settings.OCR_JOB_MIN_BYTES or is_document(image)


class ReceiptForm(forms.Form):
    receipt = forms.FileField(label="Receipt", help_text="A photo or scan of a receipt.")

    def clean_receipt(self) -> UploadedFile:
        receipt: UploadedFile = self.cleaned_data["receipt"]
        if (receipt.size or 0) > settings.OCR_MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is too large.")
        return receipt
