"""How a prepared page's pixels map to the page as sent: each step that moves pixels is an
affine map, so word boxes found on the prepared image go back to the client's pixels."""

import math
from dataclasses import dataclass

import numpy as np


@dataclass(slots=True)
class Affine:
    """Maps prepared-image pixels to source pixels: source = matrix @ (x, y, 1)."""

    matrix: np.ndarray

    @classmethod
    def identity(cls) -> "Affine":
        return cls(np.eye(3))

    def then(self, step_to_previous: np.ndarray) -> "Affine":
        """Add a step whose output is the new prepared image; `step_to_previous` maps it back."""
        return Affine(self.matrix @ step_to_previous)

    def point(self, x: float, y: float) -> tuple[float, float]:
        mapped = self.matrix @ np.array([x, y, 1.0])
        return float(mapped[0]), float(mapped[1])

    @property
    def scale(self) -> float:
        """Source pixels per prepared pixel (the same both ways: rescaling is uniform)."""
        return math.sqrt(abs(float(np.linalg.det(self.matrix[:2, :2]))))

    def box(
        self, bbox: tuple[int, int, int, int], width: int, height: int
    ) -> tuple[int, int, int, int]:
        x0, y0, x1, y1 = bbox
        corners = np.array([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]], dtype=float)
        mapped = corners @ self.matrix.T
        xs, ys = mapped[:, 0], mapped[:, 1]
        return (
            int(max(0, math.floor(xs.min()))),
            int(max(0, math.floor(ys.min()))),
            int(min(width, math.ceil(xs.max()))),
            int(min(height, math.ceil(ys.max()))),
        )


def scale_map(factor: float) -> np.ndarray:
    return np.diag([1 / factor, 1 / factor, 1.0])


def rotation_map(
    degrees: float, source_size: tuple[int, int], out_size: tuple[int, int]
) -> np.ndarray:
    """Inverse of Pillow's rotate(degrees, expand=True): output pixel -> source pixel."""
    theta = math.radians(degrees)
    cos, sin = math.cos(theta), math.sin(theta)
    (w, h), (out_w, out_h) = source_size, out_size
    # Pillow turns the picture counter-clockwise as seen, with y pointing down.
    to_center = np.array([[1, 0, -out_w / 2], [0, 1, -out_h / 2], [0, 0, 1]])
    turn_back = np.array([[cos, -sin, 0], [sin, cos, 0], [0, 0, 1]])
    from_center = np.array([[1, 0, w / 2], [0, 1, h / 2], [0, 0, 1]])
    turned: np.ndarray = from_center @ turn_back @ to_center
    return turned
