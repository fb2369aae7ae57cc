from django import forms
from django.conf import settings


class UploadForm(forms.Form):
    image = forms.FileField(label="Image", help_text="A photo or scan with text on it.")

    def clean_image(self):
        image = self.cleaned_data["image"]
        if image.size > settings.OCR_MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is too large.")
        return image
