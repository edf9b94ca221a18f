"""The slice bank refuses cases that do not fit together, naming the odd case or slice."""

import numpy as np
import pytest
import tifffile

from radiogenomics.errors import InputError
from segmentation.dataset import load_bank
from tests.helpers import make_case

NAMES = ("TCGA_AA_0001_20000101", "TCGA_AA_0002_20000101", "TCGA_AA_0003_20000101")


def test_a_case_with_other_channels_is_named_even_when_read_first(tmp_path):
    for seed, name in enumerate(NAMES):
        make_case(tmp_path, name, seed=seed)
    for path in (tmp_path / NAMES[0]).glob(f"{NAMES[0]}_?.tif"):  # the first case read: grey images
        tifffile.imwrite(path, np.zeros((16, 16), np.uint8))
    with pytest.raises(InputError, match=rf"{NAMES[0]}: images have 1 channel\(s\), 2 of the 3 cases have 3"):
        load_bank(tmp_path, size=16)


def test_a_16_bit_slice_in_an_8_bit_case_is_refused_before_it_blanks_the_others(tmp_path):
    for seed, name in enumerate(NAMES[:2]):
        make_case(tmp_path, name, seed=seed)
    odd = tmp_path / NAMES[1] / f"{NAMES[1]}_2.tif"
    tifffile.imwrite(odd, np.full((16, 16, 3), 40000, np.uint16), photometric="rgb")
    with pytest.raises(
        InputError, match=rf"{odd.name}: image dtype is uint16, 2 of the case's 3 slices are uint8"
    ):
        load_bank(tmp_path, size=16)
