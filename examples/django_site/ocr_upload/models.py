"""What the site keeps of a receipt: the data the OCR service extracted from it."""

from django.db import models


class Receipt(models.Model):
    """One uploaded receipt: its merchant, date, total and currency as the service read them
    (`POST /v1/extract`), and whether they added up."""

    merchant = models.CharField(max_length=200, blank=True)
    date = models.DateField(null=True, blank=True)
    total = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    consistent = models.BooleanField(default=True)
    uploaded = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-uploaded",)

    def __str__(self) -> str:
        return f"{self.merchant or 'receipt'} {self.date} {self.total} {self.currency}".strip()
