from django.urls import path
from ocr_upload.views import upload

urlpatterns = [path("", upload, name="upload")]
