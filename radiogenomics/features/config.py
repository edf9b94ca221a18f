"""The open choices of the study's features, in one frozen dataclass (saved in the sidecar JSON)."""

from dataclasses import dataclass

from radiogenomics.errors import InputError
from radiogenomics.features.ellipsoid import ELLIPSOID_TOL
from radiogenomics.features.shape2d import ASD_BINS, CONTOUR_POINTS, MF_WINDOW, RADIUS_NORMALISATION


@dataclass(frozen=True)
class FeatureConfig:
    """Choices the papers leave open, with our defaults.

    Attributes
    ----------
    component : {"largest", "all"}
        Which voxels are the tumour: the largest 26-connected component of the mask (default; stray
        islands of a mask do not inflate the enclosing ellipsoid) or every voxel. All features but
        ``components`` are measured on it; the largest slice is chosen from it and ASD/MF then use the
        largest 8-connected region on that slice.
    slice : {"largest", "middle"}
        The slice of the 2D features: the one with the largest tumour area (study; the first on ties)
        or the middle of the tumour's slice range.
    radius_normalisation : {"mean", "median", "max"}
        What the radial distance of ASD and MF is divided by.
    asd_bins : int
        Equiangular sectors of ASD (study: 10).
    mf_window : float
        MF smoothing window, a fraction of the contour length.
    contour_points : int
        Boundary points (equally spaced by arc length) for ASD and MF.
    ellipsoid_points : {"corners", "centres"}
        What BEVR's ellipsoid must enclose: every voxel corner (default: the whole voxels, BEVR <= 1) or
        the voxel centres.
    ellipsoid_tol : float
        Relative tolerance of the minimum enclosing ellipsoid (its volume within a factor (1 + tol)^2 of
        the minimum).
    """

    component: str = "largest"
    slice: str = "largest"
    radius_normalisation: str = RADIUS_NORMALISATION
    asd_bins: int = ASD_BINS
    mf_window: float = MF_WINDOW
    contour_points: int = CONTOUR_POINTS
    ellipsoid_points: str = "corners"
    ellipsoid_tol: float = ELLIPSOID_TOL

    def __post_init__(self):
        if self.component not in ("largest", "all"):
            raise InputError(f"component is {self.component!r}; expected 'largest' or 'all'")
        choices = {
            "slice": ("largest", "middle"),
            "radius_normalisation": ("mean", "median", "max"),
            "ellipsoid_points": ("corners", "centres"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise InputError(f"{name} is {getattr(self, name)!r}; expected one of {', '.join(allowed)}")
        if self.asd_bins < 1:
            raise InputError(f"asd_bins is {self.asd_bins}; expected at least 1 sector")
        if not 0.0 < self.mf_window < 1.0:
            raise InputError(f"mf_window is {self.mf_window}; expected a fraction in (0, 1)")
        if self.contour_points < 16:
            raise InputError(f"contour_points is {self.contour_points}; expected at least 16")
        if not 0.0 < self.ellipsoid_tol < 0.1:
            raise InputError(
                f"ellipsoid_tol is {self.ellipsoid_tol}; expected a small positive number (1e-4)"
            )
