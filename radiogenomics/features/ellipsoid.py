"""Minimum-volume enclosing ellipsoid of a point set (Khachiyan's algorithm with Todd-Yildirim away steps)."""

from dataclasses import dataclass
from math import gamma, pi

import numpy as np

#: Default relative tolerance: the ellipsoid's volume is within a factor (1 + tol)^((d+1)/2) of the minimum.
ELLIPSOID_TOL = 1e-4


@dataclass(frozen=True)
class Ellipsoid:
    r"""The ellipsoid :math:`\{x : (x - c)^T A (x - c) \le 1\}`.

    Attributes
    ----------
    center : (d,) ndarray
        :math:`c`.
    matrix : (d, d) ndarray
        :math:`A`, symmetric positive definite.
    volume : float
        :math:`\frac{\pi^{d/2}}{\Gamma(d/2 + 1)} / \sqrt{\det A}`
        (:math:`\frac{4\pi}{3}/\sqrt{\det A}` in 3D).
    iterations : int
        Iterations the algorithm took.
    """

    center: np.ndarray
    matrix: np.ndarray
    volume: float
    iterations: int

    def contains(self, points: np.ndarray, *, rtol: float = 1e-9) -> np.ndarray:
        """Whether each of ``points`` (N, d) lies inside (within ``rtol`` of the boundary)."""
        offset = np.asarray(points, float) - self.center
        return np.einsum("ij,jk,ik->i", offset, self.matrix, offset) <= 1.0 + rtol


def _weighted_inverse(lifted: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return np.linalg.inv((lifted * weights) @ lifted.T)


def _initial_weights(centred: np.ndarray) -> np.ndarray:
    """Kumar-Yildirim start: equal weight on the extreme points along each principal axis (at most 2d
    points), so the interior points never need weight taken away; uniform weights if those are flat."""
    count, dim = centred.shape
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    reach = centred @ axes.T
    chosen = np.unique(np.concatenate([reach.argmax(axis=0), reach.argmin(axis=0)]))
    weights = np.zeros(count)
    weights[chosen] = 1.0 / len(chosen)
    support = centred[chosen] - centred[chosen].mean(axis=0)
    if len(chosen) <= dim or np.linalg.matrix_rank(support) < dim:
        weights[:] = 1.0 / count
    return weights


def minimum_volume_ellipsoid(
    points: np.ndarray, *, tol: float = ELLIPSOID_TOL, max_iter: int = 100_000
) -> Ellipsoid:
    r"""The minimum-volume ellipsoid that encloses every point, to a relative tolerance.

    Khachiyan's barycentric coordinate ascent on the dual problem, with the away steps of Todd and
    Yildirim and the Kumar-Yildirim start (weight on the extreme points along the principal axes). With :math:`q_i = (p_i, 1)`, weights :math:`u` on the simplex,
    :math:`X(u) = \sum_i u_i q_i q_i^T` and :math:`M_i = q_i^T X(u)^{-1} q_i`, it stops when

    .. math::

        \max_i M_i \le (1 + \mathrm{tol})(d + 1) \quad\text{and}\quad
        \min_{i: u_i > 0} M_i \ge (1 - \mathrm{tol})(d + 1),

    then sets :math:`c = \sum_i u_i p_i`,
    :math:`A = \frac{1}{d}\bigl(\sum_i u_i p_i p_i^T - c c^T\bigr)^{-1}` and scales :math:`A` so that
    the farthest point lies exactly on the boundary. The result always encloses every point, and its
    volume exceeds the minimum by a factor of at most :math:`(1 + \mathrm{tol})^{(d+1)/2}` (the duality
    gap of the lifted problem in d + 1 dimensions; checked against a tol = 1e-11 solution in the tests).

    Parameters
    ----------
    points : (N, d) ndarray of float
        N >= d + 1 points that span d dimensions. Fewer points make the work lighter: pass the convex
        hull's vertices (the minimum enclosing ellipsoid of a set is that of its hull).
    tol : float
        Relative tolerance (> 0) of the optimality conditions above.
    max_iter : int
        Give up (``RuntimeError``) after this many iterations.

    Returns
    -------
    Ellipsoid

    References
    ----------
    Khachiyan LG. Rounding of polytopes in the real number model of computation. Math Oper Res 21 (1996)
    307-320. Todd MJ, Yildirim EA. On Khachiyan's algorithm for the computation of minimum-volume
    enclosing ellipsoids. Discrete Appl Math 155 (2007) 1731-1744. Kumar P, Yildirim EA. Minimum-volume
    enclosing ellipsoids and core sets. J Optim Theory Appl 126 (2005) 1-21.
    """
    points = np.asarray(points, float)
    if points.ndim != 2 or points.shape[0] < points.shape[1] + 1:
        raise ValueError(f"points are {points.shape}; expected (N, d) with N >= d + 1")
    if not tol > 0:
        raise ValueError(f"tol is {tol}; expected a positive relative tolerance")
    count, dim = points.shape
    shift = points.mean(axis=0)
    centred = points - shift
    if np.linalg.matrix_rank(centred, tol=1e-10 * max(np.abs(centred).max(), 1e-300)) < dim:
        raise ValueError(f"the {count} points lie in fewer than {dim} dimensions; no ellipsoid has volume")
    lifted = np.vstack([centred.T, np.ones(count)])  # (d + 1, N)
    weights = _initial_weights(centred)
    inverse = _weighted_inverse(lifted, weights)
    leverage = np.einsum("ij,ik,kj->j", lifted, inverse, lifted)
    n = dim + 1
    iteration = 0
    for iteration in range(1, max_iter + 1):  # noqa: B007 (the count is reported)
        up = int(np.argmax(leverage))
        support = np.flatnonzero(weights > 0)
        down = int(support[np.argmin(leverage[support])])
        grow = leverage[up] / n - 1.0
        shrink = 1.0 - leverage[down] / n
        if grow <= tol and shrink <= tol:
            break
        j = up if grow >= shrink else down
        step = (leverage[j] - n) / (n * (leverage[j] - 1.0))
        if j == down:  # away step: never below zero weight
            step = max(step, -weights[j] / (1.0 - weights[j]))
        # Rank-one update of X^{-1} and of every leverage M_i (Sherman-Morrison).
        direction = inverse @ lifted[:, j]
        cross = direction @ lifted
        denominator = (1.0 - step) + step * leverage[j]
        inverse = (inverse - step * np.outer(direction, direction) / denominator) / (1.0 - step)
        leverage = (leverage - step * cross**2 / denominator) / (1.0 - step)
        weights *= 1.0 - step
        weights[j] += step
        if weights[j] < 1e-14:
            weights[j] = 0.0
        if iteration % 200 == 0:  # wash out rounding drift of the updates
            inverse = _weighted_inverse(lifted, weights)
            leverage = np.einsum("ij,ik,kj->j", lifted, inverse, lifted)
    else:
        raise RuntimeError(f"minimum-volume ellipsoid did not reach tol={tol} in {max_iter} iterations")
    center = centred.T @ weights
    scatter = (centred.T * weights) @ centred - np.outer(center, center)
    matrix = np.linalg.inv(scatter) / dim
    offsets = centred - center
    reach = np.einsum("ij,jk,ik->i", offsets, matrix, offsets).max()
    matrix = matrix / reach
    unit_ball = pi ** (dim / 2) / gamma(dim / 2 + 1)
    volume = unit_ball / np.sqrt(np.linalg.det(matrix))
    return Ellipsoid(center + shift, matrix, float(volume), iteration)
