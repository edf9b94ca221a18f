"""A synthetic cohort in the Kaggle LGG layout with a planted shape–genomics signal.

Each case is a stack of brain-like 3-channel slices (pre-contrast, FLAIR, post-contrast, as in the LGG
set): a bright skull ring around an ellipsoidal brain with smooth tissue texture and noise, and a
FLAIR-bright tumour spanning several slices. The tumour is a star-shaped solid whose radius is modulated
by random angular harmonics; its *irregularity* (harmonic amplitude) depends on the patient's planted
class:

* class 1, irregular margin: harmonic amplitude 0.15–0.30 of the radius, up to 12 lobes;
* class 2, smooth margin: amplitude 0.00–0.04.

``data.csv`` carries genomic cluster columns: ``RNASeqCluster`` is the planted class with 10 % of labels
flipped (the signal); ``MethylationCluster`` and the other subtype columns of the study's family
(``NULL_SUBTYPES``, so that ``rg reproduce`` runs on a synthetic cohort) are independent of shape (nulls);
plus age, gender and about 8 % blank cells. ``truth.csv`` keeps the planted class, irregularity and tumour
size of every case.
"""

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import ndimage

from radiogenomics.atomic import write_csv, write_json
from radiogenomics.case_io import write_image_case, write_mask_case
from radiogenomics.progress import with_progress

INSTITUTIONS = ("SA", "SB", "SC")
#: The study2019 family's subtype columns besides RNASeqCluster and MethylationCluster: uniform 1–3, no signal.
NULL_SUBTYPES = ("CNCluster", "miRNACluster", "OncosignCluster", "COCCluster")


@dataclass(frozen=True)
class CohortConfig:
    """How a synthetic cohort is made (saved as ``cohort.json`` beside it)."""

    cases: int = 12
    seed: int = 0
    size: int = 256
    min_slices: int = 20
    max_slices: int = 32
    label_noise: float = 0.10
    blank_fraction: float = 0.08


def tumour_mask(
    shape: tuple[int, int, int],
    *,
    center: tuple[float, float, float],
    radius: float,
    half_depth: float,
    amplitudes: np.ndarray,
    phases: np.ndarray,
) -> np.ndarray:
    r"""A star-shaped tumour: voxels with :math:`\rho(\theta) \le R\,\sqrt{1-(z/d)^2}\,(1+\sum_k a_k\cos(k\theta+\phi_k))`.

    Parameters
    ----------
    shape : (S, H, W)
    center : (slice, row, column) of the tumour centre, in voxels.
    radius : in-plane radius R at the centre slice, in pixels.
    half_depth : d, half the tumour's extent along the slice axis, in slices.
    amplitudes, phases : (K,) arrays
        Harmonic k = index + 2 has relative amplitude ``amplitudes[index]``.

    Returns
    -------
    (S, H, W) ndarray of bool
    """
    s, r, c = np.ogrid[: shape[0], : shape[1], : shape[2]]
    dz = (s - center[0]) / half_depth
    dy, dx = r - center[1], c - center[2]
    theta = np.arctan2(dy, dx)
    k = np.arange(2, 2 + len(amplitudes))[:, None, None]
    modulation = 1 + np.sum(amplitudes[:, None, None] * np.cos(k * theta + phases[:, None, None]), axis=0)
    profile = np.sqrt(np.clip(1 - dz**2, 0, None))
    return np.hypot(dy, dx) <= radius * profile * np.maximum(modulation, 0.2)


def synth_case(
    rng: np.random.Generator, *, size: int, n_slices: int, irregular: bool
) -> tuple[np.ndarray, np.ndarray, dict]:
    """One synthetic case: image (S, H, W, 3) uint8, tumour mask (S, H, W) bool, and its parameters."""
    shape = (n_slices, size, size)
    s, r, c = np.ogrid[:n_slices, :size, :size]
    # Brain: an ellipsoid, widest mid-stack; skull: a ring just outside it.
    zc = (n_slices - 1) / 2
    semi = np.array([0.38, 0.30]) * size * rng.uniform(0.9, 1.05, 2)
    taper = np.sqrt(np.clip(1 - ((s - zc) / (n_slices * 0.62)) ** 2, 0.05, None))
    ellipse = np.sqrt(((r - size / 2) / semi[0]) ** 2 + ((c - size / 2) / semi[1]) ** 2) / taper
    brain = ellipse <= 1.0
    skull = (ellipse > 1.03) & (ellipse <= 1.15)

    # Tumour: inside the brain, size and margin by class.
    radius = rng.uniform(0.05, 0.14) * size
    half_depth = rng.uniform(0.18, 0.32) * n_slices
    n_harmonics = 11
    amplitude = rng.uniform(0.15, 0.30) if irregular else rng.uniform(0.0, 0.04)
    weights = rng.dirichlet(np.ones(n_harmonics)) * amplitude * np.sqrt(n_harmonics)
    if irregular:
        weights[rng.integers(4, n_harmonics)] += amplitude  # a dominant high-frequency lobe count
    phases = rng.uniform(0, 2 * np.pi, n_harmonics)
    offset = rng.uniform(-0.35, 0.35, 2) * semi
    center = (zc + rng.uniform(-0.1, 0.1) * n_slices, size / 2 + offset[0], size / 2 + offset[1])
    mask = (
        tumour_mask(
            shape, center=center, radius=radius, half_depth=half_depth, amplitudes=weights, phases=phases
        )
        & brain
    )

    # Intensities: tissue texture (smoothed noise), a bright tumour in FLAIR, an edge blur, noise.
    texture = ndimage.gaussian_filter(rng.standard_normal(shape).astype(np.float32), sigma=(0.8, 3, 3))
    texture *= 1 / max(float(texture.std()), 1e-6)
    soft = ndimage.gaussian_filter(mask.astype(np.float32), sigma=(0.3, 1.2, 1.2))
    base = {  # (brain, skull, tumour change, texture amplitude) per channel: pre, FLAIR, post
        0: (95.0, 150.0, -25.0, 9.0),
        1: (85.0, 60.0, +105.0, 8.0),
        2: (100.0, 160.0, +20.0, 10.0),
    }
    image = np.zeros((*shape, 3), np.float32)
    for channel, (tissue, bone, change, amp) in base.items():
        level = rng.uniform(0.85, 1.15)
        plane = brain * (tissue + amp * texture) + skull * bone + soft * change
        image[..., channel] = level * plane + rng.normal(0, 4.0, shape)
    image = np.clip(image, 0, 255).astype(np.uint8)
    params = {"radius": radius, "half_depth": half_depth, "irregularity": amplitude, "tumour_voxels": 0}
    params["tumour_voxels"] = int(mask.sum())
    return image, mask, params


def synth_cohort(out: str | Path, config: CohortConfig = CohortConfig(), *, progress: bool = False) -> Path:
    """Write a synthetic cohort to ``out`` (case folders, ``data.csv``, ``truth.csv``, ``cohort.json``).

    Deterministic given ``config.seed``. If ``out`` already holds a cohort made with the same config it is
    left as it is. ``progress``: on stderr (:mod:`radiogenomics.progress`).
    """
    out = Path(out)
    stamp = out / "cohort.json"
    if stamp.exists() and json.loads(stamp.read_text()) == asdict(config):
        return out
    root = np.random.SeedSequence(config.seed)
    rng = np.random.default_rng(root.spawn(1)[0])
    classes = np.resize([1, 2], config.cases)
    rng.shuffle(classes)
    truth, clinical = [], []
    seeds = zip(root.spawn(config.cases + 1)[1:], classes, strict=True)
    for index, (case_seed, cls) in enumerate(
        with_progress(seeds, desc="synth", enabled=progress, total=config.cases)
    ):
        case_rng = np.random.default_rng(case_seed)
        institution = INSTITUTIONS[index % len(INSTITUTIONS)]
        patient = f"TCGA_{institution}_A{index:03d}"
        case = f"{patient}_{20100101 + index:08d}"
        n_slices = int(case_rng.integers(config.min_slices, config.max_slices + 1))
        image, mask, params = synth_case(case_rng, size=config.size, n_slices=n_slices, irregular=cls == 1)
        slices = list(range(1, n_slices + 1))
        write_image_case(out, case, slices, image)
        write_mask_case(out, case, slices, mask)
        truth.append({"patient": patient, "case": case, "planted_class": int(cls), **params})
        observed = cls if case_rng.random() >= config.label_noise else 3 - cls
        clinical.append(
            {
                "Patient": patient,
                "RNASeqCluster": observed,
                "MethylationCluster": int(case_rng.integers(1, 4)),
                "age_at_initial_pathologic": int(case_rng.integers(20, 75)),
                "gender": int(case_rng.integers(1, 3)),
                **{column: int(case_rng.integers(1, 4)) for column in NULL_SUBTYPES},
            }
        )
    table = pd.DataFrame(clinical)
    for column in table.columns[1:]:
        blank = rng.random(len(table)) < config.blank_fraction
        table[column] = table[column].astype("Int64").mask(blank)
    write_csv(out / "data.csv", table, index=False)
    write_csv(out / "truth.csv", pd.DataFrame(truth), index=False)
    write_json(stamp, asdict(config))
    return out
