from django.urls import path
from ocr_upload.receipts import receipts
from ocr_upload.views import cancel_job, job_page, ocr_callback, upload

urlpatterns = [
    path("", upload, name="upload"),
    path("jobs/<slug:job_id>/", job_page, name="job"),
    path("jobs/<slug:job_id>/cancel/", cancel_job, name="cancel_job"),
    path("ocr-callback/", ocr_callback, name="ocr_callback"),
    path("receipts/", receipts, name="receipts"),
]
