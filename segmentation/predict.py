"""Prediction: probabilities for preprocessed slices, and a case's mask in its original geometry.

Masks are thresholded at 0.5 after mapping the probabilities back to the original slices
(:func:`~segmentation.preprocess.restore_mask`), then reduced to its large 3D connected components
(:func:`~segmentation.metrics.keep_large_components`; the reference keeps the largest only).
"""

import contextlib

import numpy as np
import torch

from segmentation.metrics import keep_large_components
from segmentation.preprocess import restore_mask
from segmentation.sampling import neighbour_index


def autocast(device: torch.device, precision: str):
    """The autocast context of a precision: "bf16" (CPU and CUDA) or "fp32" (none)."""
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    if precision == "fp32":
        return contextlib.nullcontext()
    raise ValueError(f"precision is {precision!r}; expected bf16 or fp32")


@torch.no_grad()
def predict_slices(
    model: torch.nn.Module,
    images: torch.Tensor,
    *,
    context: int = 0,
    batch_size: int = 32,
    device: torch.device | str = "cpu",
    precision: str = "bf16",
    channels_last: bool = True,
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
            logits = model(batch)
        out[start : start + len(index)] = torch.sigmoid(logits.float())[:, 0].cpu().numpy()
    return out


def probabilities_to_mask(
    probabilities: np.ndarray, geometry, *, threshold: float = 0.5, largest: bool = True, keep: float = 1.0
):
    """Probabilities in the preprocessed frame → (S, H, W) bool mask in the original geometry.

    Resized back bilinearly, thresholded at ``threshold``; if ``largest``, reduced to the 3D components of
    at least ``keep`` times the largest one's size (``keep`` 1: the largest only, as the reference).
    """
    mask = restore_mask(probabilities, geometry, threshold=threshold)
    return keep_large_components(mask, fraction=keep) if largest else mask


def load_model(path, *, device: torch.device | str = "cpu"):
    """A fold's chosen model (``RUN/fold_K/model.pt``) and its config, loaded with ``weights_only=True``.

    Returns
    -------
    (UNet, TrainConfig)
        The model in eval mode on ``device`` (channels_last when its config says so).
    """
    from segmentation.config import TrainConfig
    from segmentation.train import build_model

    saved = torch.load(path, map_location="cpu", weights_only=True)
    config = TrainConfig.from_json(saved["config"], source=str(path))
    model = build_model(config, saved["in_channels"])
    model.load_state_dict(saved["state_dict"])
    memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
    return model.to(device, memory_format=memory_format).eval(), config


def segment_volume(model: torch.nn.Module, config, image: np.ndarray, *, device="cpu") -> np.ndarray:
    """Segment one volume end to end: preprocess, predict, map back, threshold, keep large components.

    Parameters
    ----------
    model : UNet
        Trained with ``config``.
    config : TrainConfig
    image : (S, H, W, C) ndarray
        The volume as read (Kaggle layout: uint8).

    Returns
    -------
    (S, H, W) ndarray of bool
        The tumour mask in the original geometry.
    """
    from segmentation.preprocess import preprocess_volume

    result = preprocess_volume(
        image, size=config.size, threshold=config.intensity_threshold, percentiles=config.percentiles,
        crop_slices=config.crop_slices,
    )  # fmt: skip
    probabilities = predict_slices(
        model, torch.from_numpy(result.image), context=config.context, device=device,
        precision=config.precision, channels_last=config.channels_last,
    )  # fmt: skip
    return probabilities_to_mask(
        probabilities, result.geometry, threshold=config.threshold, keep=config.keep_components
    )
