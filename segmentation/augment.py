"""Batch augmentation in torch on the training device: scale, rotation, flip, intensity jitter, modality dropout.

The reference augments each slice on the CPU with scikit-image (scale ±5 %, rotate ±15°, flip p 0.5).
Here one affine matrix per sample combines the three, and one ``grid_sample`` call moves image and mask
of the whole batch together; the mask is resampled bilinearly and thresholded at 0.5. The random numbers
come from a seeded CPU generator whatever the device, so a run is the same on any device.

Modality dropout (not in the reference) imitates the dataset itself: 15 of its 110 cases lack a pre- or
post-contrast sequence, and their Kaggle images carry a copy of FLAIR in its place (all three channels
equal in one case). A model that never saw such input predicts almost nothing on them.
"""

import math

import torch
import torch.nn.functional as F


def affine_matrices(
    n: int, *, generator: torch.Generator, scale: float = 0.05, angle: float = 15.0, flip: float = 0.5
) -> torch.Tensor:
    r"""Random affine matrices for ``F.affine_grid``: (n, 2, 3) float32 on the CPU.

    Each maps output to input coordinates (normalised to [-1, 1]):
    :math:`x_{in} = R(\theta)\,\mathrm{diag}(f, 1)\,x_{out} / s` with :math:`s \sim U(1-scale, 1+scale)`
    (the zoom), :math:`\theta \sim U(-angle, angle)` degrees and :math:`f = -1` with probability ``flip``.
    """
    draws = torch.rand(n, 3, generator=generator, dtype=torch.float64)
    zoom = 1.0 + scale * (2.0 * draws[:, 0] - 1.0)
    theta = math.radians(angle) * (2.0 * draws[:, 1] - 1.0)
    mirror = torch.where(draws[:, 2] < flip, -1.0, 1.0)
    cos, sin = torch.cos(theta) / zoom, torch.sin(theta) / zoom
    matrices = torch.zeros(n, 2, 3, dtype=torch.float64)
    matrices[:, 0, 0], matrices[:, 0, 1] = cos * mirror, -sin
    matrices[:, 1, 0], matrices[:, 1, 1] = sin * mirror, cos
    return matrices.float()


def augment_batch(
    images: torch.Tensor,
    masks: torch.Tensor,
    *,
    generator: torch.Generator,
    scale: float = 0.05,
    angle: float = 15.0,
    flip: float = 0.5,
    jitter: float = 0.1,
    modalities: int = 3,
    modality_dropout: float = 0.0,
    flair: int = 1,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Augment a batch (image and mask alike) on the device the batch lies on.

    Parameters
    ----------
    images : (B, C, H, W) float tensor
        z-scored slices; C a multiple of ``modalities`` (2.5D stacks neighbours as channel groups).
    masks : (B, 1, H, W) float tensor of 0/1
    generator : torch.Generator
        A CPU generator: every random number of the batch comes from it.
    scale, angle, flip : float
        Zoom range ±``scale``, rotation range ±``angle`` degrees, horizontal flip probability.
    jitter : float
        Intensity jitter per sample and modality: :math:`x \\mapsto g x + b`, :math:`g \\sim U(1-j, 1+j)`,
        :math:`b \\sim U(-j, j)` (z-score units); 0 turns it off.
    modalities : int
        Channels per slice; neighbours of one modality get the same jitter.
    modality_dropout : float
        Probability per sample that its other modalities are replaced by its FLAIR channel (after the
        jitter, so the copies are exact, as in the dataset): with 3 modalities, the pre-contrast, the
        post-contrast or both (each 1/3 of the dropped samples); with 2, the other one. 0 turns it off.
    flair : int
        The FLAIR channel within a slice's modalities (1 in the Kaggle layout: pre-contrast, FLAIR,
        post-contrast).

    Returns
    -------
    (B, C, H, W) tensor, (B, 1, H, W) tensor of 0/1
        Outside the field of view the image is 0 (the volume's mean) and the mask 0.
    """
    n, channels = images.shape[:2]
    if scale or angle or flip:
        theta = affine_matrices(n, generator=generator, scale=scale, angle=angle, flip=flip).to(images.device)
        grid = F.affine_grid(theta, [n, channels + 1, *images.shape[2:]], align_corners=False)
        moved = F.grid_sample(
            torch.cat((images, masks), dim=1),
            grid,
            mode="bilinear",
            padding_mode="zeros",
            align_corners=False,
        )
        images, masks = moved[:, :channels], (moved[:, channels:] > 0.5).to(masks.dtype)
    if jitter:
        groups = channels // modalities
        draws = (2.0 * torch.rand(2, n, 1, modalities, 1, 1, generator=generator) - 1.0) * jitter
        gain, bias = (1.0 + draws[0]).to(images.device), draws[1].to(images.device)
        shaped = images.reshape(n, groups, modalities, *images.shape[2:])
        images = (shaped * gain + bias).reshape(n, channels, *images.shape[2:])
    if modality_dropout and modalities > 1:
        images = drop_modalities(images, generator=generator, p=modality_dropout, modalities=modalities,
                                 flair=flair)  # fmt: skip
    return images, masks


def drop_modalities(
    images: torch.Tensor, *, generator: torch.Generator, p: float, modalities: int = 3, flair: int = 1
) -> torch.Tensor:
    """Replace, with probability ``p`` per sample, its non-FLAIR modalities by a copy of its FLAIR channel.

    Parameters
    ----------
    images : (B, C, H, W) tensor
        C a multiple of ``modalities`` (2.5D: every neighbour is treated alike).
    generator : torch.Generator
        A CPU generator: two draws per sample (whether, and which).
    p : float
        Probability in [0, 1] that a sample is changed.
    modalities, flair : int
        Channels per slice, and which of them is FLAIR.

    Returns
    -------
    (B, C, H, W) tensor
        A changed sample has either one other modality (chosen uniformly) or all of them (with the same
        probability as each single one) equal to its FLAIR channel: with 3 modalities, pre-contrast only,
        post-contrast only, or both, 1/3 each. Other samples are unchanged.
    """
    n, channels = images.shape[:2]
    others = [m for m in range(modalities) if m != flair]
    draws = torch.rand(2, n, generator=generator)
    dropped = draws[0] < p
    options = len(others) + 1 if len(others) > 1 else 1  # each single modality, or (with 2+) all of them
    choice = torch.clamp((draws[1] * options).long(), max=options - 1)
    replace = torch.zeros(n, modalities, dtype=torch.bool)
    for index, modality in enumerate(others):
        replace[:, modality] = dropped & ((choice == index) | (choice == len(others)))
    shaped = images.reshape(n, channels // modalities, modalities, *images.shape[2:])
    source = shaped[:, :, flair : flair + 1].expand_as(shaped)
    where = replace.to(images.device)[:, None, :, None, None]
    return torch.where(where, source, shaped).reshape(images.shape)
