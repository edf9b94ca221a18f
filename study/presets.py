"""What ``rg reproduce`` and ``rg demo`` run: a training recipe and an association design per preset, and
the published study's numbers that the report sets beside ours.

* ``paper``: the study's setting: 22 folds (the LGG manifest's frozen split when the data is the LGG
  set), 256² slices, 32 features, 100 epochs (Buda et al. 2019; their code: Adam, lr 1e-4, batch 16).
  Days on a CPU; hours on a GPU.
* ``fast``: the CPU-feasible recipe of the shipped model ``lgg-flair`` (128², 16 features, instance norm,
  modality dropout 0.2, 30 epochs, 3 folds): 40–60 minutes on 2 CPU cores with native bf16 (AMX, AVX-512
  BF16) for the 81 shipped cases, some hours in fp32 on an AVX2-only CPU; its CV is that of the model's
  seed-0 member (the card quotes the two seeds' ensemble).
* ``demo``: a tiny U-Net on the synthetic cohort of ``rg demo`` (64², 8 features): a minute or two.
"""

from dataclasses import asdict, dataclass

from radiogenomics.features import STUDY_FEATURES
from segmentation.config import TrainConfig


@dataclass(frozen=True)
class Design:
    """The association step: a pre-registered preset family, or features × labels (exploratory only)."""

    hypotheses: str | None = "study2019"
    features: tuple[str, ...] | None = None  # None: every shape feature
    labels: tuple[str, ...] | None = None  # None: the cluster columns of the clinical table
    pyradiomics: bool = True


@dataclass(frozen=True)
class Preset:
    """One named way to run the study (saved in ``OUT/study.json``; a rerun must name the same)."""

    name: str
    train: TrainConfig
    design: Design
    purpose: str

    @property
    def description(self) -> str:
        t = self.train
        return (f"{self.purpose}: {t.folds} folds, {t.size}² slices, {t.features} features, {t.epochs} epochs, "
                f"{t.norm} norm, lr {t.lr:g}, batch {t.batch_size}"
                + (f", modality dropout {t.aug_modality_dropout:g}" if t.aug_modality_dropout else ""))  # fmt: skip

    def to_json(self) -> dict:
        return {"name": self.name, "description": self.description, "train": self.train.to_json(),
                "design": asdict(self.design)}  # fmt: skip


PAPER = Preset(
    "paper",
    TrainConfig(folds=22, epochs=100, size=256, features=32, batch_size=16, lr=1e-4, split="auto"),
    Design(),
    "the study's setting",
)
FAST = Preset(
    "fast",
    TrainConfig(
        folds=3,
        epochs=30,
        size=128,
        features=16,
        batch_size=16,
        lr=2e-3,
        norm="instance",
        aug_modality_dropout=0.2,
    ),
    Design(),
    "the CPU recipe of the shipped model lgg-flair",
)
DEMO = Preset(
    "demo",
    TrainConfig(
        folds=4, epochs=12, size=64, features=8, depth=3, batch_size=16, lr=3e-3, samples_per_epoch=256
    ),
    Design(hypotheses=None, features=tuple(STUDY_FEATURES), labels=("RNASeqCluster", "MethylationCluster")),
    "a tiny U-Net for the synthetic cohort",
)
PRESETS = {preset.name: preset for preset in (PAPER, FAST, DEMO)}
#: The presets ``rg reproduce`` offers (``demo`` is ``rg demo``'s).
REPRODUCE_PRESETS = ("paper", "fast")

#: Buda et al. 2019 (Computers in Biology and Medicine 109: 218–225): Dice over 110 patients, 22-fold CV.
STUDY_DICE = {"mean": 0.8360, "median": 0.8733, "source": "code page (the abstract: 82 % mean, 85 % median)"}

#: The study's reported bound on p for the hypotheses it reports (automatic masks, Fisher's exact test on
#: median splits; significant: below α/10 = 0.005 after Bonferroni; nominal: below 0.02).
STUDY_BOUNDS = {
    ("BEVR", "RNASeqCluster"): ("< 0.0002", "significant"),
    ("MF", "RNASeqCluster"): ("< 0.005", "significant"),
    ("ASD", "RNASeqCluster"): ("< 0.02", "nominal"),
    **{("BEVR", label): ("< 0.02", "nominal") for label in
       ("MethylationCluster", "CNCluster", "miRNACluster", "OncosignCluster", "COCCluster")},
}  # fmt: skip
