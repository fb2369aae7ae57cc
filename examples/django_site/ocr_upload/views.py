"""The upload page: a form sends the image to the OCR service and shows the text. A document
(a PDF or TIFF, or any large file) goes as a job instead: the visitor is sent to the job's page,
which shows the pages read so far and reloads itself until the text is there."""

import logging

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from ocr_client import (
    AuthenticationError,
    BadRequestError,
    Engine,
    JobExpiredError,
    JobStatus,
    NotFoundError,
    OCRError,
    OCRResult,
    PayloadTooLargeError,
    Prediction,
    UnsupportedMediaTypeError,
)

from ocr_upload.forms import UploadForm
from ocr_upload.jobs import (
    BadCallback,
    callbacks_enabled,
    finished_status,
    job_name,
    note_finished,
    remember_job,
    upload_source,
    verify_callback,
)
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
        if form.as_job():
            return _submit_job(request, image, form.engine())
        prediction, read_by = _read(image, form.engine())
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
    context = {"form": UploadForm(), "result": prediction, "read_by": read_by}
    return render(request, "ocr_upload/upload.html", context)


def _read(image: UploadedFile, engine: Engine | None) -> tuple[Prediction, list[str]]:
    """POST / with the service's default engine; POST /v1/ocr when the visitor chose one,
    shown the same way (its lines and its text), with the engines that read its pages."""
    if engine is None:
        return ocr_client().predict(image.read(), filename=image.name), []
    result = ocr_client().ocr(image.read(), filename=image.name, engine=engine)
    lines = [line.text for page in result.pages for line in page.lines]
    read_by = sorted({page.engine for page in result.pages})
    return Prediction(results=lines, original=result.text), read_by


def _submit_job(request: HttpRequest, upload: UploadedFile, engine: Engine | None) -> HttpResponse:
    """POST /v1/jobs: the service answers at once; the job's id goes in the visitor's session
    and the visitor to the job's page."""
    name = upload.name or "upload"
    callback_url = settings.OCR_CALLBACK_URL if callbacks_enabled() else None
    job = ocr_client().submit(
        upload_source(upload), filename=name, callback_url=callback_url, engine=engine
    )
    remember_job(request.session, job.id, name)
    return redirect("job", job_id=job.id)


def job_page(request: HttpRequest, job_id: str) -> HttpResponse:
    """The job's progress (reloading itself) until it ends, then every page's text."""
    name = job_name(request.session, job_id)
    if name is None:
        raise Http404("No such job in this session.")
    job = ocr_client().job(job_id)
    context: dict[str, object] = {"job_id": job_id, "name": name}
    try:
        # A callback may have said already how the job ended; else the service is asked.
        ended = finished_status(job_id)
        status: JobStatus | None = None
        if ended != "succeeded":
            status = job.status()
            ended = status.status if status.finished else None
        if ended is None:
            assert status is not None
            context.update(_progress(status))
            return render(request, "ocr_upload/job.html", context)
        context["ended"] = ended
        context["status"] = status
        if ended == "succeeded":
            context.update(_result(job.result(format="json")))
    except (NotFoundError, JobExpiredError):
        context["gone"] = True
        return render(request, "ocr_upload/job.html", context, status=410)
    except AuthenticationError:
        logger.error("The OCR service refused OCR_SERVICE_TOKEN")
        return _job_unavailable(request, context, status=502)
    except OCRError:
        logger.exception("Asking the OCR service about job %s failed", job_id)
        return _job_unavailable(request, context, status=503)
    return render(request, "ocr_upload/job.html", context)


def _progress(status: JobStatus) -> dict[str, object]:
    total = status.pages_total
    return {
        "running": True,
        "refresh": settings.OCR_JOB_REFRESH_SECONDS,
        "pages_done": status.pages_done,
        "pages_total": total,
        "current_page": min(status.pages_done + 1, total),
    }


def _result(result: OCRResult) -> dict[str, object]:
    failed = [page for page in result.pages if page.error]
    return {"result": result, "pages_failed": len(failed)}


def _job_unavailable(
    request: HttpRequest, context: dict[str, object], *, status: int
) -> HttpResponse:
    # The job goes on at the service: the page tries again after a while.
    context.update(unavailable=True, refresh=5 * settings.OCR_JOB_REFRESH_SECONDS)
    return render(request, "ocr_upload/job.html", context, status=status)


@require_POST
def cancel_job(request: HttpRequest, job_id: str) -> HttpResponse:
    """DELETE /v1/jobs/{id}: the pages not read yet never will be, and its files are gone."""
    if job_name(request.session, job_id) is None:
        raise Http404("No such job in this session.")
    try:
        ocr_client().job(job_id).cancel()
    except NotFoundError:
        pass  # gone already
    except OCRError:
        logger.exception("Canceling job %s failed", job_id)
    return redirect("job", job_id=job_id)


@csrf_exempt  # the service, not a browser, sends it: its signature is the check
@require_POST
def ocr_callback(request: HttpRequest) -> HttpResponse:
    """The service's `job.finished` callback (Standard Webhooks), when OCR_CALLBACK_URL and
    OCR_CALLBACK_SECRET are set: noted, so that the job's page goes straight to the result.
    A real site would do its own work here: store the text, tell the visitor by e-mail."""
    if not callbacks_enabled():
        raise Http404("Callbacks are not set up.")
    try:
        message = verify_callback(request.body, dict(request.headers))
    except BadCallback as error:
        logger.warning("Refused a callback: %s", error)
        return HttpResponse("Bad signature.", status=400, content_type="text/plain")
    data = message["data"]
    note_finished(data["id"], str(data.get("status", "")))
    return HttpResponse(status=204)


def _unavailable(request: HttpRequest, form: UploadForm, *, status: int) -> HttpResponse:
    context = {"form": form, "unavailable": True}
    return render(request, "ocr_upload/upload.html", context, status=status)
