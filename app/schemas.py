"""Response bodies of the HTTP API."""

from pydantic import BaseModel, Field


class Prediction(BaseModel):
    """The original service's contract: keep it exactly as it is."""

    results: list[str] = Field(
        description="Recognised lines in reading order, blank lines dropped.",
        examples=[["1 tbsp chili powder", "1/2 teaspoon ground cumin"]],
    )
    original: str = Field(description="The full recognised text.")


class ErrorBody(BaseModel):
    detail: str = Field(examples=["Invalid token."])
