"""Every feature of one tumour mask: the study's three, the descriptors, and pyradiomics' shape classes."""

import numpy as np

from radiogenomics.features.bevr import bevr
from radiogenomics.features.config import FeatureConfig
from radiogenomics.features.contour import largest_component, largest_slice
from radiogenomics.features.descriptors import slice_descriptors, volume_descriptors
from radiogenomics.features.radiomics_shape import radiomics_shape_2d, radiomics_shape_3d
from radiogenomics.features.shape2d import angular_standard_deviation, margin_fluctuation


class GroupFailed(ValueError):
    """A third-party group of features failed; the features computed before it are in ``features``.

    Attributes
    ----------
    group : str
        The group that failed (``"pyradiomics"``).
    features : dict
        Column name -> float of every other feature of the mask.
    """

    def __init__(self, group: str, features: dict[str, float], reason: str):
        super().__init__(f"{group}: {reason}")
        self.group = group
        self.features = features


def _crop(mask: np.ndarray) -> np.ndarray:
    """The mask cut to its bounding box (every feature is translation invariant; the work shrinks)."""
    box = tuple(slice(int(i.min()), int(i.max()) + 1) for i in np.nonzero(mask))
    return mask[box]


def mask_features(
    mask: np.ndarray,
    *,
    spacing: tuple[float, float, float] = (1.0, 1.0, 1.0),
    config: FeatureConfig = FeatureConfig(),
    pyradiomics: bool = True,
) -> dict[str, float]:
    """All features of one tumour mask, keyed by column name (see ``columns.describe_columns``).

    The tumour is the mask's largest 26-connected component (``config.component == "largest"``) or the
    whole mask; the 2D features' slice (``config.slice``, the largest by default) is chosen from it.
    ``largest_slice`` is returned as a 0-based index into ``mask``.

    Parameters
    ----------
    mask : (S, R, C) ndarray of bool
        At least one voxel (an empty mask is the caller's to report).
    spacing : tuple of 3 floats
        Voxel size along (slice, row, column).
    config : FeatureConfig
        The open choices.
    pyradiomics : bool
        Also compute pyradiomics ``shape`` (on the tumour) and ``shape2D`` (on its largest slice).

    Returns
    -------
    dict
        Column name -> float, in table order.

    Raises
    ------
    GroupFailed
        When pyradiomics fails (e.g. it refuses a one-voxel tumour); the exception holds the other
        features, so that the caller can keep them and report the failed group.
    """
    if mask.ndim != 3:
        raise ValueError(f"mask is {mask.shape}; expected (S, R, C)")
    if not mask.any():
        raise ValueError("mask is empty; there is no tumour to measure")
    first_slice = int(np.argmax(mask.any(axis=(1, 2))))
    mask = _crop(mask.astype(bool, copy=False))
    spacing = tuple(float(s) for s in spacing)
    tumour = largest_component(mask) if config.component == "largest" else mask
    if config.slice == "largest":
        index = largest_slice(tumour)
    else:
        filled = np.flatnonzero(tumour.any(axis=(1, 2)))
        index = int(filled[0] + filled[-1]) // 2
        if not tumour[index].any():  # a gap in the tumour's slices: the nearest slice that has some
            index = int(filled[np.argmin(np.abs(filled - index))])
    plane, plane_spacing = tumour[index], spacing[1:]
    features = {
        "ASD": angular_standard_deviation(
            plane,
            spacing=plane_spacing,
            bins=config.asd_bins,
            points=config.contour_points,
            normalise=config.radius_normalisation,
        ),
        "MF": margin_fluctuation(
            plane,
            spacing=plane_spacing,
            window=config.mf_window,
            points=config.contour_points,
            normalise=config.radius_normalisation,
        ),
        "BEVR": bevr(tumour, spacing=spacing, tol=config.ellipsoid_tol, points=config.ellipsoid_points),
        "largest_slice": float(first_slice + index),
    }
    features.update(volume_descriptors(tumour, spacing=spacing, components_of=mask)._asdict())
    features.update(slice_descriptors(plane, spacing=plane_spacing)._asdict())
    features = {name: float(value) for name, value in features.items()}
    if pyradiomics:
        try:
            shape = {
                **radiomics_shape_3d(tumour, spacing=spacing),
                **radiomics_shape_2d(plane, spacing=plane_spacing),
            }
        except Exception as err:  # third-party code (pyradiomics, SimpleITK) refuses e.g. a one-voxel ROI
            raise GroupFailed("pyradiomics", features, f"{type(err).__name__}: {err}") from err
        features.update({name: float(value) for name, value in shape.items()})
    return features
