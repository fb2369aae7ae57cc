from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from ocr_upload.jobs import is_document


class UploadForm(forms.Form):
    image = forms.FileField(
        label="Image or document",
        help_text="A photo or scan with text on it, or a PDF or TIFF of any length.",
    )

    def clean_image(self) -> UploadedFile:
        image: UploadedFile = self.cleaned_data["image"]
        if (image.size or 0) > settings.OCR_MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is too large.")
        return image

    def as_job(self) -> bool:
        """Whether the valid upload goes to the service as a job: a PDF or TIFF (told by its
        first bytes), or any file from OCR_JOB_MIN_BYTES on."""
        image: UploadedFile = self.cleaned_data["image"]
        return (image.size or 0) >= settings.OCR_JOB_MIN_BYTES or is_document(image)
