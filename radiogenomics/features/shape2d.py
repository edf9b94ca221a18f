"""The study's 2D margin features: angular standard deviation (ASD) and margin fluctuation (MF).

Both are measured on one tumour outline, on the slice with the largest tumour area (see
:func:`radiogenomics.features.contour.largest_slice`), from the radial distance of the boundary to the
tumour's centroid. The radius is normalised by its mean, so both are dimensionless and do not change
with the tumour's size.

References
----------
Czarnek N, Clark K, Peters KB, Mazurowski MA. Algorithmic three-dimensional analysis of tumor shape in MRI
improves prognosis of survival in glioblastoma: a multi-institutional study. J Neurooncol 132 (2017) 55-62.
Buda M, Saha A, Mazurowski MA. Association of genomic subtypes of lower-grade gliomas with shape features
automatically extracted by a deep learning algorithm. Comput Biol Med 109 (2019) 218-225.
"""

import numpy as np

from radiogenomics.features.contour import largest_component, radial_profile

#: Defaults of the open choices (the papers do not state them); each is a keyword of the functions.
ASD_BINS = 10
MF_WINDOW = 0.1
CONTOUR_POINTS = 512
RADIUS_NORMALISATION = "mean"
_NORMALISERS = {"mean": np.mean, "median": np.median, "max": np.max}


def _check_slice(mask: np.ndarray) -> np.ndarray:
    if mask.ndim != 2:
        raise ValueError(f"mask is {mask.shape}; expected one (R, C) slice")
    if not mask.any():
        raise ValueError("mask slice is empty; ASD and MF need a tumour outline")
    return largest_component(mask.astype(bool, copy=False))


def _normalised(radius: np.ndarray, normalise: str) -> np.ndarray:
    if normalise not in _NORMALISERS:
        raise ValueError(f"normalise is {normalise!r}; expected one of {', '.join(_NORMALISERS)}")
    return radius / _NORMALISERS[normalise](radius)


def angular_standard_deviation(
    mask: np.ndarray,
    *,
    spacing: tuple[float, float] = (1.0, 1.0),
    bins: int = ASD_BINS,
    points: int = CONTOUR_POINTS,
    normalise: str = RADIUS_NORMALISATION,
) -> float:
    r"""Angular standard deviation (ASD) of the tumour's radial distance, in equiangular sectors.

    .. math::

        \tilde r_i = \frac{r_i}{\bar r}, \qquad
        \mathrm{ASD} = \frac{1}{|B|} \sum_{b \in B} \operatorname{std}\{\tilde r_i : \theta_i \in b\}

    where :math:`r_i, \theta_i` are the distance and angle of boundary point *i* from the centroid
    (:func:`~radiogenomics.features.contour.radial_profile`), the sectors split
    :math:`(-\pi, \pi]` into ``bins`` equal angles starting at the column axis, :math:`B` is the set
    of non-empty sectors and std is the population standard deviation. A disc gives 0; a lobulated or
    spiculated margin gives more.

    Parameters
    ----------
    mask : (R, C) ndarray of bool
        One slice (the largest, for the study's ASD). Its largest 8-connected component is the tumour;
        holes are filled.
    spacing : tuple of 2 floats
        Pixel size along (row, column), any unit (the result is dimensionless).
    bins : int
        Number of equiangular sectors (study: 10).
    points : int
        Boundary points, equally spaced by arc length.
    normalise : {"mean", "median", "max"}
        Statistic of r that :math:`\bar r` stands for (default the mean).

    Returns
    -------
    float
        ASD >= 0, dimensionless.

    References
    ----------
    Czarnek et al., J Neurooncol 132 (2017) 55-62.
    """
    if bins < 1:
        raise ValueError(f"bins is {bins}; expected at least 1 sector")
    radius, theta = radial_profile(_check_slice(mask), spacing=spacing, points=points)
    normalised = _normalised(radius, normalise)
    sector = np.minimum(((theta + np.pi) / (2 * np.pi) * bins).astype(int), bins - 1)
    count = np.bincount(sector, minlength=bins)
    total = np.bincount(sector, weights=normalised, minlength=bins)
    squares = np.bincount(sector, weights=normalised**2, minlength=bins)
    filled = count > 0
    mean = total[filled] / count[filled]
    variance = np.maximum(squares[filled] / count[filled] - mean**2, 0.0)
    return float(np.sqrt(variance).mean())


def circular_moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Moving average over ``window`` neighbours (odd, centred) of a periodic sequence (wraps around)."""
    if window < 1 or window % 2 == 0:
        raise ValueError(f"window is {window}; expected an odd number of samples")
    half = window // 2
    wrapped = np.concatenate([values[-half:] if half else values[:0], values, values[:half]])
    return np.convolve(wrapped, np.full(window, 1.0 / window), mode="valid")


def margin_fluctuation(
    mask: np.ndarray,
    *,
    spacing: tuple[float, float] = (1.0, 1.0),
    window: float = MF_WINDOW,
    points: int = CONTOUR_POINTS,
    normalise: str = RADIUS_NORMALISATION,
) -> float:
    r"""Margin fluctuation (MF): how far the radial distance strays from its own smoothed curve.

    .. math::

        \tilde r(s) = \frac{r(s)}{\bar r}, \qquad
        \mathrm{MF} = \operatorname{std}\bigl(\tilde r(s) - (\tilde r * h_w)(s)\bigr)

    where :math:`r(s)` is the distance from the centroid to the boundary point at arc length *s*
    (``points`` points equally spaced along the outline), :math:`h_w` is a circular moving average over
    ``window`` x the contour length (rounded to an odd number of points, at least 3), and std is the
    population standard deviation. A disc gives 0; fine irregularities of the margin give more, while
    a smooth ellipse-like elongation gives little.

    Parameters
    ----------
    mask : (R, C) ndarray of bool
        One slice (the largest, for the study's MF). Its largest 8-connected component is the tumour;
        holes are filled.
    spacing : tuple of 2 floats
        Pixel size along (row, column), any unit (the result is dimensionless).
    window : float
        Smoothing window as a fraction of the contour length, in (0, 1).
    points : int
        Boundary points, equally spaced by arc length.
    normalise : {"mean", "median", "max"}
        Statistic of r that :math:`\bar r` stands for (default the mean).

    Returns
    -------
    float
        MF >= 0, dimensionless.

    References
    ----------
    Czarnek et al., J Neurooncol 132 (2017) 55-62.
    """
    if not 0.0 < window < 1.0:
        raise ValueError(f"window is {window}; expected a fraction of the contour length in (0, 1)")
    radius, _ = radial_profile(_check_slice(mask), spacing=spacing, points=points)
    normalised = _normalised(radius, normalise)
    samples = max(3, int(round(window * points)) // 2 * 2 + 1)
    return float(np.std(normalised - circular_moving_average(normalised, samples)))
