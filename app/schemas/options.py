"""The preparation switches a request sets, as query parameters and as the pipeline takes them."""

from typing import Any, TypedDict

from pydantic import BaseModel, Field

_SWITCH = "Default: decided from the page. `true` forces it, `false` turns it off."


def _switch(description: str) -> Any:
    return Field(default=None, description=f"{description} {_SWITCH}", examples=[True, False])


class Switches(TypedDict):
    """The preparation switches as PageOptions takes them."""

    preprocess: bool
    auto_rotate: bool | None
    deskew: bool | None
    rescale: bool | None
    denoise: bool | None
    invert: bool | None
    binarize: bool | None
    remove_lines: bool | None
    remove_border: bool | None
    smooth: bool | None
    drop_noise: bool | None
    second_opinion: bool | None


class PreparationQuery(BaseModel):
    """The per-request preparation switches of /v1/ocr, as query parameters. Each is None
    (decided from the page), true (forced) or false (off): app.ocr.pipeline.options.decide."""

    preprocess: bool = Field(
        default=True,
        description="Prepare pages before OCR (all the steps below).",
        examples=[True, False],
    )
    auto_rotate: bool | None = _switch("Turn sideways or upside-down pages upright.")
    deskew: bool | None = _switch("Straighten skewed pages.")
    rescale: bool | None = _switch("Scale small or huge text to the size Tesseract reads best.")
    denoise: bool | None = _switch("Remove salt-and-pepper specks.")
    invert: bool | None = _switch("Invert light text on a dark page.")
    binarize: bool | None = _switch("Adaptive (Sauvola) thresholding for uneven light.")
    remove_lines: bool | None = _switch("Remove the rules and boxes of forms and tables.")
    remove_border: bool | None = _switch("Paint over a scanner's dark surround around the sheet.")
    smooth: bool | None = Field(
        default=None,
        examples=[True, False],
        description="Blur grain, JPEG blocks and dotted print away. By default a grey page "
        "read with little confidence is read smoothed too, and the more confident reading "
        "kept; `true` or `false` forces it.",
    )
    drop_noise: bool | None = Field(
        default=None,
        examples=[True, False],
        description="Leave out the words more likely specks, table borders or dotted lines "
        "than text: symbols read with confidence under 70, and one or two characters under "
        "40. On with `preprocess`; `true` or `false` forces it. JSON and text only: the "
        "other formats are Tesseract's own output.",
    )
    second_opinion: bool | None = Field(
        default=None,
        examples=[True, False],
        description="Read the page again with the language's larger models (listed in "
        "/v1/languages as `accurate`) and keep, word by word, the more confident reading. "
        "By default only pages read with less confidence than clean print, with "
        "`preprocess`. JSON and text only.",
    )

    def switches(self) -> Switches:
        return Switches(
            preprocess=self.preprocess, auto_rotate=self.auto_rotate, deskew=self.deskew,
            rescale=self.rescale, denoise=self.denoise, invert=self.invert,
            binarize=self.binarize, remove_lines=self.remove_lines,
            remove_border=self.remove_border, smooth=self.smooth, drop_noise=self.drop_noise,
            second_opinion=self.second_opinion,
        )  # fmt: skip
