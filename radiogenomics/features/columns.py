"""What every column of the feature table means: definition, unit, parameters, software (the sidecar)."""

from dataclasses import asdict

from radiogenomics import versions
from radiogenomics.features.config import FeatureConfig
from radiogenomics.features.radiomics_shape import PREFIX_2D, PREFIX_3D, SHAPE_2D, SHAPE_3D

#: The study's three features.
STUDY_FEATURES = ("ASD", "MF", "BEVR")

#: Columns that record how a row was measured, not the tumour's shape (a slice number, a count of
#: components): ``rg associate`` tests them only when named (``--features``, a hypothesis) and ``rg agree``
#: does not compare them (:func:`radiogenomics.stats.feature_table.measured_columns`).
BOOKKEEPING_COLUMNS = ("largest_slice", "components")
_ROLES = {
    "feature": "shape feature: tested by rg associate and compared by rg agree",
    "bookkeeping": "bookkeeping, not a shape feature: rg associate tests it only when named (--features, "
    "a hypothesis), rg agree does not compare it",
}

# name -> (definition, unit dimension, parameter names of FeatureConfig, software)
# Unit dimension: 0 dimensionless, 1 length, 2 area, 3 volume, -1 inverse length, "count", "slice".
_OURS = {
    "ASD": (
        "angular standard deviation on the feature slice (default the largest): mean over equiangular "
        "sectors (around the centroid) of the std of the boundary's radial distance normalised by its mean",
        0,
        ("component", "slice", "radius_normalisation", "asd_bins", "contour_points"),
        "rg",
    ),
    "MF": (
        "margin fluctuation on the feature slice (default the largest): std of the normalised radial "
        "distance along the ordered contour minus its circular moving average over mf_window of the "
        "contour length",
        0,
        ("component", "slice", "radius_normalisation", "mf_window", "contour_points"),
        "rg",
    ),
    "BEVR": (
        "bounding ellipsoid volume ratio: voxel volume / volume of the minimum-volume ellipsoid enclosing "
        "every voxel corner (Khachiyan's algorithm on the corners' convex hull, physical coordinates), "
        "in (0, 1]",
        0,
        ("component", "ellipsoid_points", "ellipsoid_tol"),
        "rg",
    ),
    "largest_slice": (
        "number of the slice where ASD, MF and the slice_* and shape2D features are measured: the one with "
        "the largest tumour area unless config slice says otherwise (file number in the Kaggle layout, "
        "1-based index for NIfTI)",
        "slice",
        ("component", "slice"),
        "rg",
    ),
    "volume": ("number of tumour voxels times the voxel volume", 3, ("component",), "rg"),
    "surface_area": (
        "area of the marching-cubes surface at level 0.5 (skimage.measure.marching_cubes, mesh_surface_area)",
        2,
        ("component",),
        "scikit-image",
    ),
    "sphericity": (
        "pi^(1/3) (6 V_mesh)^(2/3) / surface_area, V_mesh the volume inside the marching-cubes surface; "
        "1 for a sphere",
        0,
        ("component",),
        "scikit-image",
    ),
    "solidity": (
        "volume / volume of the convex hull of the voxel corners (scipy.spatial.ConvexHull), in (0, 1]",
        0,
        ("component",),
        "scipy",
    ),
    "extent": ("tumour voxels / voxels of the axis-aligned bounding box, in (0, 1]", 0, ("component",), "rg"),
    "components": (
        "number of 26-connected components of the whole mask (before choosing the component)",
        "count",
        (),
        "scipy",
    ),
    "slice_area": ("tumour pixels on the slice times the pixel area", 2, ("component", "slice"), "rg"),
    "slice_perimeter": (
        "total length of the marching-squares outlines (level 0.5, holes included) on the feature slice "
        "(skimage.measure.find_contours)",
        1,
        ("component", "slice"),
        "scikit-image",
    ),
    "slice_eccentricity": (
        "eccentricity of the ellipse with the same second moments as the feature slice's tumour "
        "(skimage.measure.regionprops with spacing), in [0, 1)",
        0,
        ("component", "slice"),
        "scikit-image",
    ),
    "slice_solidity": (
        "tumour pixels / pixels of their convex hull image on the feature slice (skimage regionprops)",
        0,
        ("component", "slice"),
        "scikit-image",
    ),
}

#: Our feature columns, in table order (pyradiomics' follow, see :func:`feature_columns`).
OWN_FEATURES = tuple(_OURS)


def feature_columns(*, pyradiomics: bool = True) -> list[str]:
    """Every measured column of the table, in order (without ``case`` and ``status``; with the
    :data:`BOOKKEEPING_COLUMNS`)."""
    columns = list(OWN_FEATURES)
    if pyradiomics:
        columns += [PREFIX_3D + n for n in SHAPE_3D] + [PREFIX_2D + n for n in SHAPE_2D]
    return columns


def _unit(dimension, base: str) -> str:
    if dimension in ("count", "slice"):
        return dimension
    return {0: "1", 1: base, 2: f"{base}^2", 3: f"{base}^3", -1: f"1/{base}"}[dimension]


def software_versions() -> dict[str, str]:
    """Versions of Python and of every package the features depend on."""
    return versions.software_versions(
        "numpy", "scipy", "scikit-image", "pandas", "SimpleITK", "pyradiomics-bhklab"
    )


def describe_columns(config: FeatureConfig, *, unit: str, pyradiomics: bool = True) -> dict[str, dict]:
    """The sidecar's ``columns`` entry: for each column its definition, role, unit, parameters, software.

    The role says whether ``rg associate`` and ``rg agree`` use the column by default: every shape feature,
    not the :data:`BOOKKEEPING_COLUMNS`.

    Parameters
    ----------
    config : FeatureConfig
        The choices used (their values are copied into each column's parameters).
    unit : str
        Length unit of the spacing: ``"mm"`` or ``"pixel"``.
    """
    choices = asdict(config)
    columns = {
        "patient": {"definition": "patient id (TCGA_<inst>_<id> for TCGA case names), the table's index"},
        "case": {"definition": "case name (the case folder, or the NIfTI file name without suffix)"},
        "status": {
            "definition": "'ok'; 'empty mask' (features missing); 'partial: <group>: <message>' (a "
            "third-party group, pyradiomics, failed: its columns missing, the others kept); or 'error: "
            "<message>' (the case could not be read or measured; features missing)"
        },
    }
    for name, (definition, dimension, parameters, software) in _OURS.items():
        columns[name] = {
            "definition": definition,
            "role": _ROLES["bookkeeping" if name in BOOKKEEPING_COLUMNS else "feature"],
            "unit": _unit(dimension, unit),
            "parameters": {p: choices[p] for p in parameters},
            "software": software,
        }
    if pyradiomics:
        for prefix, table, where in (
            (PREFIX_3D, SHAPE_3D, "3D tumour"),
            (PREFIX_2D, SHAPE_2D, "feature slice"),
        ):
            for name, (definition, dimension) in table.items():
                columns[prefix + name] = {
                    "definition": f"pyradiomics {prefix[9:-1]} feature {name} on the {where}: {definition}",
                    "role": _ROLES["feature"],
                    "unit": _unit(dimension, unit),
                    "parameters": {"component": choices["component"], "minimumROIDimensions": 1}
                    | ({"slice": choices["slice"]} if prefix == PREFIX_2D else {}),
                    "software": "pyradiomics-bhklab",
                }
    return columns
