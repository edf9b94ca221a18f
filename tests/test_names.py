"""The nearest names first in every unknown-name message (:mod:`radiogenomics.names`)."""

import doctest

import pytest

import radiogenomics.names
from radiogenomics.names import SHORT, close_names, unknown_name

LGG = ["RNASeqCluster", "MethylationCluster", "CNCluster", "age_at_initial_pathologic", "gender", "death01"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("death1", ["death01"]),  # the example: its own help names death01
        ("gendr", ["gender"]),
        ("GENDER", ["gender"]),  # letter case ignored
        ("age", ["age_at_initial_pathologic"]),  # an abbreviation: the start of the name
        ("methylation", ["MethylationCluster"]),
        ("weight", []),
    ],
)
def test_close_names(given, expected):
    assert close_names(given, LGG) == expected


def test_a_long_list_is_cut_but_the_near_name_comes_first():
    columns = [f"c{i:02d}" for i in range(40)] + ["gender"]
    text = unknown_name("gendr", columns, where="--covariates")
    assert text.startswith("--covariates gendr: no such column; did you mean gender? (41 columns, e.g. c00,")
    assert text.endswith(f"c{SHORT - 1:02d}, …)") and f"c{SHORT:02d}" not in text  # the first SHORT, then …
    short = unknown_name("x", ["a", "b"], where="--target", what="column of the clinical table")
    assert short == "--target x: no such column of the clinical table (columns: a, b)"


def test_the_docstring_examples_hold():
    assert doctest.testmod(radiogenomics.names).failed == 0
