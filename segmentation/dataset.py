"""A bank of preprocessed slices: every case of a data folder read once, preprocessed, held compactly.

The slices of all cases lie in one ``(N, C, size, size)`` uint8 tensor: the image after cropping,
padding, resizing and the percentile rescale to [0, 1], quantised to 1/255 (the source is 8-bit and the
10th–99th percentile window spans fewer than 256 of its grey levels, so little is lost), with each slice's
channel means and standard deviations for the z-score applied when a batch is decoded. Masks are
packed eight pixels a byte (``(N, ⌈size² / 8⌉)`` uint8, :meth:`SliceBank.mask` unpacks slices), with each
slice's tumour area kept beside them. Each case knows its first slice and count in the bank and its
:class:`~segmentation.preprocess.Geometry`. The 41 real LGG cases take 0.25 GiB at 256² (a quarter of
float32 for the images, a 32nd for the masks) and 0.06 GiB at 128².
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from radiogenomics.case_io import find_case_dirs, list_slice_files, odd_one_out, read_case, read_tiff
from radiogenomics.errors import InputError
from radiogenomics.progress import with_progress
from segmentation.preprocess import Geometry, preprocess_volume, zscore_channels


@dataclass(frozen=True)
class BankCase:
    """Where one case lies in the bank, and how to map its predictions back."""

    name: str
    patient: str
    institution: str
    slices: tuple[int, ...]  # every slice number of the case (the bank may hold fewer: geometry.slices)
    path: Path
    geometry: Geometry
    start: int
    count: int


@dataclass(frozen=True)
class SliceBank:
    """Preprocessed slices of many cases (see the module text)."""

    images: torch.Tensor  # (N, C, size, size) uint8: the [0, 1] rescaled image × 255
    packed_masks: torch.Tensor  # (N, ceil(size² / 8)) uint8: np.packbits of each slice's flattened mask
    mask_areas: torch.Tensor  # (N,) int64: tumour pixels of each slice
    means: torch.Tensor  # (N, C) float32: the channel means of each slice's volume (of images / 255)
    stds: torch.Tensor  # (N, C) float32: and its channel standard deviations
    cases: tuple[BankCase, ...]

    def decode(self, index: torch.Tensor) -> torch.Tensor:
        """The z-scored slices ``index``: (B, C, size, size) float32, as the network takes them."""
        scaled = self.images[index].float().mul_(1.0 / 255.0)
        return scaled.sub_(self.means[index][..., None, None]).div_(self.stds[index][..., None, None])

    def mask(self, index: torch.Tensor | slice) -> torch.Tensor:
        """The masks of slices ``index``: (B, size, size) bool, on the bank's device."""
        packed = self.packed_masks[index]
        bits = torch.arange(7, -1, -1, dtype=torch.uint8, device=packed.device)
        size = self.images.shape[-1]
        flat = ((packed[..., None] >> bits) & 1).bool().reshape(packed.shape[0], -1)
        return flat[:, : size * size].reshape(packed.shape[0], size, size)

    def to(self, device: torch.device | str) -> "SliceBank":
        """The bank with its tensors on ``device`` (the training device: batches are then decoded there)."""
        names = ("images", "packed_masks", "mask_areas", "means", "stds")
        return SliceBank(**{name: getattr(self, name).to(device) for name in names}, cases=self.cases)

    def volume(self, case: BankCase) -> torch.Tensor:
        """One case's slices, decoded: (count, C, size, size) float32."""
        return self.decode(torch.arange(case.start, case.start + case.count, device=self.images.device))

    @property
    def channels(self) -> int:
        return int(self.images.shape[1])

    def table(self) -> pd.DataFrame:
        """One row per case: ``case``, ``patient``, ``institution``, ``slices``."""
        return pd.DataFrame(
            [(c.name, c.patient, c.institution, len(c.slices)) for c in self.cases],
            columns=["case", "patient", "institution", "slices"],
        )

    def select(self, names) -> list[BankCase]:
        """The bank's cases named in ``names``, in bank order."""
        wanted = set(names)
        return [c for c in self.cases if c.name in wanted]

    def areas(self) -> np.ndarray:
        """Tumour area of every slice in the bank, in (resized) pixels: (N,) int64."""
        return self.mask_areas.cpu().numpy()


def _check_channels(case_dirs: list[Path], listings) -> None:
    """Every case's images have the channels most cases have (read from each case's first slice).

    The majority sets the expectation, so the odd case is named, not a healthy one read after it.
    """
    channels = []
    for files in listings:
        shape = read_tiff(files.images[files.numbers[0]]).shape
        channels.append(shape[2] if len(shape) == 3 else 1)
    found = odd_one_out(channels)
    if found is not None:
        index, usual = found
        raise InputError(
            f"{case_dirs[index]}: images have {channels[index]} channel(s), {channels.count(usual)} of the "
            f"{len(channels)} cases have {usual}; every case needs the same channels: convert it or move it out"
        )


def load_bank(
    root: str | Path,
    *,
    size: int,
    threshold: float = 0.1,
    percentiles: tuple[float, float] = (10.0, 99.0),
    crop_slices: bool = False,
    progress: bool = False,
) -> SliceBank:
    """Read and preprocess every case under ``root`` (Kaggle layout) into a :class:`SliceBank`.

    One case is in memory as uint8 at a time; the bank is allocated once from the slice counts in the
    file names. Options as :func:`~segmentation.preprocess.preprocess_volume`.
    """
    case_dirs = find_case_dirs(root)
    listings = [list_slice_files(d) for d in case_dirs]
    total = sum(len(files.numbers) for files in listings)
    _check_channels(case_dirs, listings)
    images = masks = None
    cases, position = [], 0
    for case_dir in with_progress(case_dirs, desc="preprocess", enabled=progress):
        case = read_case(case_dir)
        result = preprocess_volume(
            case.image, case.mask, size=size, threshold=threshold, percentiles=percentiles,
            crop_slices=crop_slices, zscore=False,
        )  # fmt: skip
        if images is None:
            channels = result.image.shape[1]
            images = torch.empty((total, channels, size, size), dtype=torch.uint8)
            masks = torch.empty((total, (size * size + 7) // 8), dtype=torch.uint8)
            areas = torch.empty(total, dtype=torch.int64)
            means, stds = torch.empty((total, channels)), torch.empty((total, channels))
        count = result.image.shape[0]
        quantised = torch.from_numpy(result.image).mul_(255.0).round_().to(torch.uint8)
        _, mean, std = zscore_channels(quantised.float().mul_(1.0 / 255.0))
        images[position : position + count] = quantised
        flat = result.mask.reshape(count, -1)
        masks[position : position + count] = torch.from_numpy(np.packbits(flat, axis=1))
        areas[position : position + count] = torch.from_numpy(flat.sum(axis=1))
        means[position : position + count], stds[position : position + count] = mean, std
        cases.append(
            BankCase(
                case.name,
                case.patient,
                case.institution,
                case.slices,
                case_dir,
                result.geometry,
                position,
                count,
            )
        )
        position += count
    return SliceBank(images[:position], masks[:position], areas[:position], means[:position], stds[:position],
                     tuple(cases))  # fmt: skip
