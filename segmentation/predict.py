"""Prediction: one volume in, tumour probabilities and a mask in its original geometry out.

The same functions serve ``rg segment`` and the out-of-fold masks of ``rg train``:

1. :func:`preprocess_volume` (the training preprocessing) once per preprocessing setting among the models;
2. :func:`predict_slices` per model: sigmoid probabilities in the preprocessed frame, optionally averaged
   with those of the horizontally mirrored slices (test-time augmentation: training flips horizontally);
3. :func:`~segmentation.preprocess.restore_probabilities` maps each model's probabilities back to the
   original slices (bilinear), where an ensemble averages them;
4. :func:`postprocess`: threshold, then the 3D components kept by the model's config (the largest one by
   default, as the reference; its connectivity a choice).

With several models, each model's own mask (steps 2–4 alone) gives the ensemble's agreement: the mean
Dice over pairs of models (:func:`agreement`), a flag for cases worth a look.
"""

import itertools
from dataclasses import dataclass

import numpy as np
import torch

from segmentation.metrics import dice, keep_large_components
from segmentation.model import LoadedModel, autocast
from segmentation.preprocess import preprocess_volume, restore_probabilities
from segmentation.sampling import neighbour_index

#: Agreement below which ``rg segment`` names a case to check first (on the shipped model's cross-validation,
#: the cases below it had mean Dice 0.31, the others 0.83; docs/segmentation-cv.md, "Why two seeds").
REVIEW_AGREEMENT = 0.7


@torch.no_grad()
def predict_slices(
    model: torch.nn.Module,
    images: torch.Tensor,
    *,
    context: int = 0,
    batch_size: int = 32,
    device: torch.device | str = "cpu",
    precision: str = "auto",
    channels_last: bool = True,
    mirror: bool = False,
) -> np.ndarray:
    """Tumour probabilities for the slices of one volume.

    Parameters
    ----------
    model : torch.nn.Module
        Returns logits ``(B, 1, H, W)``; put in eval mode here.
    images : (S, C, H, W) tensor
        One volume's preprocessed slices, in order (needed for 2.5D neighbours).
    context : int
        Neighbouring slices on each side stacked as channels (as the model was trained).
    precision : {"auto", "bf16", "fp32"}
        Autocast precision (see :func:`~segmentation.model.resolve_precision`).
    mirror : bool
        Test-time augmentation: average the probabilities with those of the slices mirrored left–right
        (and mirrored back).

    Returns
    -------
    (S, H, W) ndarray of float32 in [0, 1]
    """
    device = torch.device(device)
    model.eval()
    count = images.shape[0]
    neighbours = (
        neighbour_index(np.array([0]), np.array([count]), count, context=context) if context else None
    )
    out = np.empty((count, *images.shape[2:]), dtype=np.float32)
    for start in range(0, count, batch_size):
        index = torch.arange(start, min(start + batch_size, count))
        if neighbours is None:
            batch = images[index].float()
        else:
            batch = images[neighbours[index].reshape(-1)].float().reshape(len(index), -1, *images.shape[2:])
        batch = batch.to(device)
        if channels_last:
            batch = batch.contiguous(memory_format=torch.channels_last)
        with autocast(device, precision):
            probabilities = torch.sigmoid(model(batch).float())
            if mirror:
                flipped = batch.flip(-1)
                if channels_last:
                    flipped = flipped.contiguous(memory_format=torch.channels_last)
                probabilities = 0.5 * (probabilities + torch.sigmoid(model(flipped).float()).flip(-1))
        out[start : start + len(index)] = probabilities[:, 0].cpu().numpy()
    return out


#: How :func:`postprocess` measures a 3D component: its voxels, or its probability mass.
COMPONENT_RANKS = ("volume", "mass")


def postprocess(
    probabilities: np.ndarray,
    *,
    threshold: float = 0.5,
    keep: float = 1.0,
    connectivity: int = 26,
    rank: str = "volume",
) -> np.ndarray:
    """Threshold probabilities and keep the 3D components of at least ``keep`` × the largest's size.

    Parameters
    ----------
    probabilities : (S, H, W) ndarray of float
    threshold : float
        A voxel is tumour where its probability is at least this.
    keep : float
        In [0, 1]; 1: the largest component only (the reference), 0: no component removed.
    connectivity : {6, 18, 26}
        Neighbours joining a component (the reference: 6).
    rank : {"volume", "mass"}
        A component's size: its voxel count (the reference), or the sum of its probabilities.

    Returns
    -------
    (S, H, W) ndarray of bool
    """
    if rank not in COMPONENT_RANKS:
        raise ValueError(f"rank is {rank!r}; expected one of {', '.join(COMPONENT_RANKS)}")
    weights = probabilities if rank == "mass" else None
    return keep_large_components(
        probabilities >= threshold, fraction=keep, connectivity=connectivity, weights=weights
    )


def agreement(masks: list[np.ndarray]) -> float:
    """Mean Dice over every pair of masks (NaN for fewer than two): how much an ensemble's models agree."""
    pairs = [dice(a, b) for a, b in itertools.combinations(masks, 2)]
    return float(np.mean(pairs)) if pairs else float("nan")


@dataclass(frozen=True)
class Segmentation:
    """One volume segmented by one model or an ensemble.

    Attributes
    ----------
    mask : (S, H, W) ndarray of bool
        The post-processed mask, in the original geometry.
    probabilities : (S, H, W) ndarray of float32
        The (ensemble's mean) probabilities, in the original geometry; 0 outside the crop box.
    agreement : float
        Mean pairwise Dice of the models' own masks; NaN for one model.
    """

    mask: np.ndarray
    probabilities: np.ndarray
    agreement: float


def _preprocessing(config) -> tuple:
    return (config.size, config.intensity_threshold, tuple(config.percentiles), config.crop_slices)


def segment_volume(
    models: list[LoadedModel],
    image: np.ndarray,
    *,
    device: torch.device | str = "cpu",
    mirror: bool = False,
    precision: str = "auto",
    threshold: float | None = None,
    keep: float | None = None,
    connectivity: int | None = None,
) -> Segmentation:
    """Segment one volume end to end with one model or the mean of several (see the module text).

    Parameters
    ----------
    models : list of LoadedModel
        One or more; post-processing defaults come from the first one's config.
    image : (S, H, W, C) ndarray
        The volume as read (Kaggle layout: uint8), C equal to the models' input channels.
    device : torch.device or str
        Where the models are.
    mirror : bool
        Left–right mirroring test-time augmentation.
    precision : {"auto", "bf16", "fp32"}
        Inference precision, whatever the model was trained with ("auto": bf16 only where the device
        computes it natively).
    threshold, keep, connectivity : optional
        Post-processing (see :func:`postprocess`); None: the first model's config.

    Returns
    -------
    Segmentation
    """
    if not models:
        raise ValueError("no model given; give at least one")
    first = models[0].config
    threshold = first.threshold if threshold is None else threshold
    keep = first.keep_components if keep is None else keep
    connectivity = first.connectivity if connectivity is None else connectivity
    prepared = {}
    restored = []
    for model in models:
        config = model.config
        key = _preprocessing(config)
        if key not in prepared:
            prepared[key] = preprocess_volume(
                image, size=config.size, threshold=config.intensity_threshold, percentiles=config.percentiles,
                crop_slices=config.crop_slices,
            )  # fmt: skip
        result = prepared[key]
        probabilities = predict_slices(
            model.network, torch.from_numpy(result.image), context=config.context, device=device,
            precision=precision, channels_last=config.channels_last, mirror=mirror,
        )  # fmt: skip
        restored.append(restore_probabilities(probabilities, result.geometry))
    mean = restored[0] if len(restored) == 1 else np.mean(restored, axis=0, dtype=np.float32)
    mask = postprocess(mean, threshold=threshold, keep=keep, connectivity=connectivity)
    if len(restored) == 1:
        return Segmentation(mask, mean, float("nan"))
    own = [postprocess(p, threshold=threshold, keep=keep, connectivity=connectivity) for p in restored]
    return Segmentation(mask, mean, agreement(own))
