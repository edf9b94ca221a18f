"""The model, for training and inference alike: build it from a config, save it, load it, run it.

One factory (:func:`build_model`) makes the U-Net of a :class:`~segmentation.config.TrainConfig`; the
trainer and the predictor both call it, so neither imports the other (nnU-Net's
``get_network_from_plans`` is the model for this). A model file is a ``torch.save`` dict of plain
tensors and JSON-able values, loaded with ``weights_only=True``::

    {"config": TrainConfig.to_json(), "in_channels": int, "epoch": int, "state_dict": {...}}

A training checkpoint (``RUN/fold_K/checkpoint.pt``: the last epoch's weights under ``"model"``) loads too;
its config is the run's ``config.json`` two folders up.
"""

import contextlib
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import torch

from radiogenomics.atomic import atomic_path
from radiogenomics.errors import InputError
from segmentation.config import TrainConfig
from segmentation.unet import UNet


def build_model(config: TrainConfig, channels: int) -> UNet:
    """The U-Net of a config for images with ``channels`` channels (× neighbours for 2.5D)."""
    return UNet(
        channels * (2 * config.context + 1), 1, features=config.features, depth=config.depth, norm=config.norm
    )


def native_bf16(device: torch.device) -> bool:
    """Whether ``device`` computes bf16 natively: a CUDA GPU that supports it, or a CPU with AVX-512 BF16
    or AMX (Linux ``/proc/cpuinfo`` flags). Elsewhere oneDNN emulates bf16, and it is slower than fp32:
    on an AVX2-only CPU (AMD EPYC, 2 cores) a 128², 16-feature U-Net trained 1.3 img/s in bf16 against
    15.4 in fp32 (12×)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def resolve_precision(precision: str, device: torch.device) -> str:
    """ "auto" → "bf16" where the device computes it natively (:func:`native_bf16`), else "fp32"."""
    if precision == "auto":
        return "bf16" if native_bf16(torch.device(device)) else "fp32"
    return precision


def autocast(device: torch.device, precision: str):
    """The autocast context of a precision: "bf16" (CPU and CUDA), "fp32" (none) or "auto" (see
    :func:`resolve_precision`)."""
    precision = resolve_precision(precision, device)
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    if precision == "fp32":
        return contextlib.nullcontext()
    raise ValueError(f"precision is {precision!r}; expected auto, bf16 or fp32")


def resolve_device(device: str | None = None) -> torch.device:
    """``None``/"auto": CUDA when available, else the CPU; otherwise the named device."""
    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as err:
        raise InputError(f"--device is {device!r}; expected auto, cpu or cuda[:N]") from err
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise InputError(f"--device is {device!r} but torch sees no CUDA device; use --device cpu")
    return resolved


def cpu_state(model: torch.nn.Module) -> dict:
    """A copy of the model's state dict on the CPU (what a model file holds)."""
    return {name: tensor.detach().to("cpu", copy=True) for name, tensor in model.state_dict().items()}


def save_model(
    path: str | Path, state_dict: dict, config: TrainConfig, *, in_channels: int, epoch: int
) -> Path:
    """Write a model file (see the module text) atomically."""
    payload = {
        "config": config.to_json(),
        "in_channels": in_channels,
        "epoch": epoch,
        "state_dict": state_dict,
    }
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        # a file object, not the path: torch names the archive's records after a path's (here random) stem,
        # so the same weights would give another sha256 each time they are written
        torch.save(payload, handle)
    return Path(path)


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class LoadedModel:
    """A model ready for inference: the network (eval mode), its config, input channels and provenance."""

    network: torch.nn.Module
    config: TrainConfig
    in_channels: int
    path: Path
    sha256: str
    epoch: int


def _read_model_file(path: Path) -> tuple[dict, TrainConfig, int, int]:
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # unpickling raises many types for foreign or damaged files
        raise InputError(
            f"{path}: not a readable rg model file ({err}); give a model.pt or checkpoint.pt"
        ) from err
    if not isinstance(saved, dict):
        raise InputError(
            f"{path}: not an rg model file (no state dict inside); give a model.pt or checkpoint.pt"
        )
    if "state_dict" in saved and "config" in saved:
        config = TrainConfig.from_json(saved["config"], source=str(path))
        state, epoch = saved["state_dict"], int(saved.get("epoch", 0))
    elif "model" in saved and "epoch" in saved:  # a training checkpoint: the run's config.json
        config_path = path.parent.parent / "config.json"
        if not config_path.is_file():
            raise InputError(f"{path}: a training checkpoint needs its run's config.json at {config_path}")
        config = TrainConfig.from_json(json.loads(config_path.read_text()), source=str(config_path))
        state, epoch = saved["model"], int(saved["epoch"])
    else:
        raise InputError(
            f"{path}: not an rg model file (keys {sorted(saved)[:5]}); give a model.pt or checkpoint.pt"
        )
    first = next((v for k, v in state.items() if k.endswith("weight") and getattr(v, "ndim", 0) == 4), None)
    if first is None:
        raise InputError(f"{path}: holds no convolution weights; not a U-Net model file")
    in_channels = int(saved.get("in_channels", first.shape[1] // (2 * config.context + 1)))
    return state, config, in_channels, epoch


def load_model(
    path: str | Path, *, device: torch.device | str = "cpu", sha256: str | None = None
) -> LoadedModel:
    """Load a model file (``model.pt``, a training ``checkpoint.pt``) with ``weights_only=True``.

    Parameters
    ----------
    path : path
        The file.
    device : torch.device or str
        Where the network goes (channels_last when its config says so), in eval mode.
    sha256 : str, optional
        The file's expected sha256 (a shipped model's card): another file is refused.

    Returns
    -------
    LoadedModel
    """
    path = Path(path)
    digest = file_sha256(path)
    if sha256 is not None and digest != sha256:
        raise InputError(
            f"{path}: sha256 is {digest[:12]}…, its model card says {sha256[:12]}…; the weights were changed "
            "or damaged: reinstall rg (or retrain the model)"
        )
    state, config, in_channels, epoch = _read_model_file(path)
    network = build_model(config, in_channels)
    try:
        network.load_state_dict(state)
    except RuntimeError as err:
        raise InputError(
            f"{path}: weights do not fit the U-Net of its config ({str(err).splitlines()[0]})"
        ) from err
    memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
    network = network.to(device, memory_format=memory_format).eval()
    return LoadedModel(network, config, in_channels, path, digest, epoch)
