"""The study's 3D feature: bounding ellipsoid volume ratio (BEVR), and the voxel-corner hull it rests on."""

import numpy as np
from scipy.spatial import ConvexHull

from radiogenomics.features.ellipsoid import ELLIPSOID_TOL, Ellipsoid, minimum_volume_ellipsoid


def _check_volume(mask: np.ndarray, spacing) -> tuple[np.ndarray, np.ndarray]:
    if mask.ndim != 3:
        raise ValueError(f"mask is {mask.shape}; expected (S, R, C)")
    spacing = np.asarray(spacing, float)
    if spacing.shape != (3,) or not np.all(spacing > 0):
        raise ValueError(
            f"spacing is {spacing.tolist()}; expected 3 positive voxel sizes (slice, row, column)"
        )
    if not mask.any():
        raise ValueError("mask is empty; BEVR needs at least one tumour voxel")
    return mask.astype(bool, copy=False), spacing


def voxel_corners(
    mask: np.ndarray, *, spacing: tuple[float, float, float] = (1.0, 1.0, 1.0), hull: bool = True
) -> np.ndarray:
    """Corners of the tumour's voxels in physical coordinates: all of them, or only the convex hull's.

    Voxel (s, r, c) is the box [s, s+1] x [r, r+1] x [c, c+1] (times ``spacing``), so a one-voxel tumour
    has 8 corners and the union of the voxels is the tumour's volume.

    Parameters
    ----------
    mask : (S, R, C) ndarray of bool
        At least one voxel set.
    spacing : tuple of 3 floats
        Voxel size along (slice, row, column).
    hull : bool
        True: only the vertices of the convex hull of all corners (few, and enough for anything convex,
        such as the enclosing ellipsoid). False: every distinct corner of every voxel.

    Returns
    -------
    (N, 3) ndarray of float
        (slice, row, column) positions in the units of ``spacing``.
    """
    mask, scale = _check_volume(mask, spacing)
    if not hull:
        voxels = np.argwhere(mask)
        offsets = np.array([(a, b, c) for a in (0, 1) for b in (0, 1) for c in (0, 1)])
        corners = np.unique((voxels[:, None, :] + offsets[None]).reshape(-1, 3), axis=0)
        return corners * scale
    # Along each (slice, row) line only the first and last voxel's corners can be extreme: every other
    # corner lies on the segment between two of theirs.
    lines = mask.any(axis=2)
    s, r = np.nonzero(lines)
    first = mask.argmax(axis=2)[s, r]
    last = mask.shape[2] - 1 - mask[..., ::-1].argmax(axis=2)[s, r]
    candidates = np.concatenate(
        [
            np.column_stack([s + ds, r + dr, column])
            for ds in (0, 1)
            for dr in (0, 1)
            for column in (first, last + 1)
        ]
    ).astype(float)
    candidates = np.unique(candidates, axis=0) * scale
    return candidates[ConvexHull(candidates).vertices]


def voxel_centres(mask: np.ndarray, *, spacing: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> np.ndarray:
    """Centres of the tumour's voxels that are vertices of their convex hull, (N, 3) in physical units.

    Voxel (s, r, c) has its centre at (s + 1/2, r + 1/2, c + 1/2) times ``spacing``, so centres and
    corners (:func:`voxel_corners`) share one frame. :class:`ValueError` when the centres lie in one plane
    (a one-slice tumour), where no ellipsoid through them has volume.
    """
    mask, scale = _check_volume(mask, spacing)
    centres = (np.argwhere(mask) + 0.5) * scale
    if len(centres) < 4 or min(np.ptp(centres, axis=0)) == 0:
        raise ValueError(
            f"the {len(centres)} voxel centres lie in one plane; use points='corners' for flat tumours"
        )
    try:
        return centres[ConvexHull(centres).vertices]
    except Exception as err:  # scipy's QhullError: the centres are coplanar in some other direction
        raise ValueError(
            f"the {len(centres)} voxel centres span no volume ({err}); use points='corners'"
        ) from err


def bounding_ellipsoid(
    mask: np.ndarray,
    *,
    spacing: tuple[float, float, float] = (1.0, 1.0, 1.0),
    tol: float = ELLIPSOID_TOL,
    points: str = "corners",
) -> Ellipsoid:
    """The minimum-volume ellipsoid that holds the tumour's voxel corners (or voxel centres).

    Computed by :func:`~radiogenomics.features.ellipsoid.minimum_volume_ellipsoid` on the vertices of
    the convex hull of the voxel corners (:func:`voxel_corners`) or centres (:func:`voxel_centres`), in
    physical coordinates.
    """
    if points == "corners":
        hull = voxel_corners(mask, spacing=spacing)
    elif points == "centres":
        hull = voxel_centres(mask, spacing=spacing)
    else:
        raise ValueError(f"points is {points!r}; expected 'corners' or 'centres'")
    return minimum_volume_ellipsoid(hull, tol=tol)


def bevr(
    mask: np.ndarray,
    *,
    spacing: tuple[float, float, float] = (1.0, 1.0, 1.0),
    tol: float = ELLIPSOID_TOL,
    points: str = "corners",
) -> float:
    r"""Bounding ellipsoid volume ratio: tumour volume over its minimum enclosing ellipsoid's volume.

    .. math::

        \mathrm{BEVR} = \frac{V}{V_E}, \qquad V = n_\mathrm{voxels} \, \Delta_s \Delta_r \Delta_c, \qquad
        V_E = \frac{4\pi}{3} \frac{1}{\sqrt{\det A}}

    for the minimum-volume ellipsoid :math:`(x - c)^T A (x - c) \le 1` that holds every corner of every
    tumour voxel (Khachiyan's algorithm on the convex hull of the corners, in physical coordinates).
    The ellipsoid always encloses the voxels, so BEVR is in (0, 1]; it is close to 1 for an ellipsoidal
    tumour and small for an irregular, branching or multifocal one. A box gives
    :math:`2/(\sqrt{3}\pi) \approx 0.3676`. BEVR is invariant to affine maps (translation, rotation,
    scaling, anisotropic spacing) up to the voxel discretisation.

    Parameters
    ----------
    mask : (S, R, C) ndarray of bool
        The tumour (every set voxel counts; choose the connected component beforehand). At least one voxel.
    spacing : tuple of 3 floats
        Voxel size along (slice, row, column), any unit (the result is dimensionless).
    tol : float
        Relative tolerance of the ellipsoid; :math:`V_E` is within a factor
        :math:`(1 + \mathrm{tol})^2` of the true minimum, so BEVR is at most that factor too low.
    points : {"corners", "centres"}
        What the ellipsoid must hold: every voxel corner (default; the whole voxels, so BEVR <= 1) or only
        the voxel centres (smaller ellipsoid; BEVR can then exceed 1, and a one-slice tumour has none).

    Returns
    -------
    float
        BEVR in (0, 1] (with ``points="corners"``).

    References
    ----------
    Czarnek N, Clark K, Peters KB, Mazurowski MA. J Neurooncol 132 (2017) 55-62.
    Khachiyan LG. Math Oper Res 21 (1996) 307-320.
    """
    mask, scale = _check_volume(mask, spacing)
    volume = np.count_nonzero(mask) * float(np.prod(scale))
    ellipsoid = bounding_ellipsoid(mask, spacing=tuple(scale), tol=tol, points=points)
    return float(volume / ellipsoid.volume)
