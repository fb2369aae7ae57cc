"""Prometheus metrics: requests, latency, OCR time, queue depth, rejections, engine handles.

Each gunicorn worker keeps its own registry; with several workers a scrape sees one of them
(run one worker per container, the default, or scrape each instance).
"""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from app.concurrency.runner import OcrRunner
from app.ocr.engines.protocol import OcrEngine

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time from request to response, by route template.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.ocr_seconds = Histogram(
            "ocr_job_seconds",
            "Time a job spent on the engine (decode + recognise).",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "ocr_queue_depth", "Jobs admitted but not yet running.", registry=self.registry
        )
        self.in_flight = Gauge(
            "ocr_jobs_admitted", "Jobs admitted (running or waiting).", registry=self.registry
        )
        self.rejections = Counter(
            "ocr_rejections_total",
            "Requests refused or dropped, by reason.",
            ["reason"],
            registry=self.registry,
        )
        self.engine_handles = Gauge(
            "ocr_engine_handles", "Loaded Tesseract handles.", registry=self.registry
        )

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def watch(self, runner: OcrRunner, engine: OcrEngine) -> None:
        self.queue_depth.set_function(lambda: runner.waiting)
        self.in_flight.set_function(lambda: runner.admitted)
        self.engine_handles.set_function(lambda: engine.handle_count)
        runner.on_job_done = self.ocr_seconds.observe
        runner.on_rejected = lambda reason: self.rejections.labels(reason).inc()
