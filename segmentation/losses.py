"""Training losses on logits: the reference's soft Dice, and soft Dice + binary cross-entropy."""

import torch
import torch.nn.functional as F

LOSSES = ("dice", "dice+bce")


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


def loss_function(name: str):
    """The loss called ``name`` (one of :data:`LOSSES`)."""
    if name == "dice":
        return soft_dice_loss
    if name == "dice+bce":
        return dice_bce_loss
    raise ValueError(f"loss is {name!r}; expected one of {', '.join(LOSSES)}")
