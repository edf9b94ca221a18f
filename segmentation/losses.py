"""Training losses on logits: the reference's soft Dice, soft Dice + binary cross-entropy, and soft Dice + a
boundary term ramped in over the epochs (Kervadec et al. 2019)."""

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage

LOSSES = ("dice", "dice+bce", "dice+boundary")
#: The boundary term's weight grows by this much each epoch (Kervadec et al. 2019: α = 0.01 at the first
#: epoch, +0.01 each epoch after).
BOUNDARY_STEP = 0.01


def soft_dice_loss(logits: torch.Tensor, target: torch.Tensor, *, smooth: float = 1.0) -> torch.Tensor:
    r"""Soft Dice loss over the whole batch, as the reference's ``DiceLoss``.

    Parameters
    ----------
    logits : (B, 1, H, W) tensor
        Network output before the sigmoid (any float dtype; computed in float32).
    target : (B, 1, H, W) tensor
        Tumour mask, 0/1 (or soft labels in [0, 1]).
    smooth : float
        Added to numerator and denominator (the reference: 1).

    Returns
    -------
    scalar tensor
        :math:`1 - (2\sum p t + s) / (\sum p + \sum t + s)` with :math:`p = \sigma(\text{logits})`,
        sums over every pixel of the batch.
    """
    probability = torch.sigmoid(logits.float())
    target = target.float()
    intersection = (probability * target).sum()
    return 1.0 - (2.0 * intersection + smooth) / (probability.sum() + target.sum() + smooth)


def dice_bce_loss(logits: torch.Tensor, target: torch.Tensor, *, smooth: float = 1.0) -> torch.Tensor:
    """Soft Dice loss plus mean binary cross-entropy (from logits, numerically stable); shapes as above."""
    bce = F.binary_cross_entropy_with_logits(logits.float(), target.float())
    return soft_dice_loss(logits, target, smooth=smooth) + bce


def signed_distance(masks: torch.Tensor) -> torch.Tensor:
    r"""Signed Euclidean distance of every pixel to the mask's boundary, per sample (Kervadec et al. 2019).

    Parameters
    ----------
    masks : (B, 1, H, W) tensor
        0/1 masks (any device; computed on the CPU with ``scipy.ndimage.distance_transform_edt``).

    Returns
    -------
    (B, 1, H, W) float32 tensor on the masks' device
        :math:`\phi(q) = d(q, G)` outside the mask :math:`G` and :math:`-(d(q, \bar G) - 1)` inside it (pixels,
        0 on the inner boundary); all 0 for a sample whose mask is empty or full (no boundary).
    """
    planes = masks.detach().to("cpu", torch.float32).numpy()[:, 0] > 0.5
    out = np.zeros(planes.shape, dtype=np.float32)
    for i, inside in enumerate(planes):
        if inside.any() and not inside.all():
            out[i] = (
                ndimage.distance_transform_edt(~inside)
                - (ndimage.distance_transform_edt(inside) - 1) * inside
            )
    return torch.from_numpy(out)[:, None].to(masks.device)


def boundary_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    r"""Boundary loss (Kervadec et al. 2019): the mean over pixels of :math:`\phi_G(q)\, \sigma(\text{logit}(q))`.

    :math:`\phi_G` is :func:`signed_distance` of the target: a predicted pixel costs its distance from the
    tumour's boundary outside it and earns it inside, so the term is lowest for the target itself and grows
    with how far from the boundary the errors lie (it shapes the contour where a region loss is indifferent).

    References
    ----------
    Kervadec, H. et al. (2019). Boundary loss for highly unbalanced segmentation. *MIDL*, PMLR 102, 285–296.
    """
    return (signed_distance(target) * torch.sigmoid(logits.float())).mean()


def loss_function(name: str):
    """The loss called ``name`` (one of :data:`LOSSES`), as ``loss(logits, target, epoch=e)`` (e from 1).

    "dice+boundary": :math:`L_{Dice} + \alpha_e L_B` with :math:`\alpha_e` = :data:`BOUNDARY_STEP` × e, the
    paper's schedule (the boundary term ramped in after the region loss has found the tumour).
    """
    if name == "dice":
        return lambda logits, target, *, epoch: soft_dice_loss(logits, target)
    if name == "dice+bce":
        return lambda logits, target, *, epoch: dice_bce_loss(logits, target)
    if name == "dice+boundary":
        return lambda logits, target, *, epoch: (
            soft_dice_loss(logits, target) + BOUNDARY_STEP * epoch * boundary_loss(logits, target)
        )
    raise ValueError(f"loss is {name!r}; expected one of {', '.join(LOSSES)}")
