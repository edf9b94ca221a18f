"""``rg associate``: test shape features against genomic clusters; results CSV and an HTML report."""

from pathlib import Path

import click

from cli.common import out_option, quiet_option

TESTS = ("fisher", "fisher_ovr", "kruskal", "mannwhitney", "logistic")
CORRECTIONS = ("bonferroni", "holm", "fdr_bh")


def _names(values: tuple[str, ...]) -> list[str] | None:
    """Repeated and/or comma-separated names -> list (None when none given)."""
    names = [name.strip() for value in values for name in value.split(",") if name.strip()]
    return names or None


@click.command()
@click.argument("features", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("clinical", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@out_option("Results CSV to write.", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--labels", multiple=True, help="Label (cluster) columns; default: the genomic cluster columns."
)
@click.option(
    "--features",
    "feature_names",
    multiple=True,
    help="Feature columns; default: every shape feature (bookkeeping columns such as largest_slice only "
    "when named).",
)
@click.option(
    "--test", "tests", multiple=True, type=click.Choice(TESTS), help="Tests to run (repeat); default fisher."
)
@click.option(
    "--correction",
    type=click.Choice(CORRECTIONS),
    help="Correction of the pre-registered family (default bonferroni), or of the exploratory table when no "
    "family is given (default fdr_bh).",
)
@click.option(
    "--hypotheses", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="CSV feature,label."
)
@click.option(
    "--preset", type=click.Choice(["study2019"]), help="A named family: study2019 = Buda et al. 2019."
)
@click.option(
    "--report", "report_dir", type=click.Path(file_okay=False, path_type=Path), help="Folder for index.html."
)
@click.option("--alpha", default=0.05, show_default=True, type=float, help="Family-wise error or FDR level.")
@click.option("--cut", type=float, help="Dichotomisation threshold for Fisher tests; default the median.")
@click.option(
    "--covariates",
    multiple=True,
    help="Covariates of the logistic test, e.g. age_at_initial_pathologic,gender,institution.",
)
@click.option(
    "--draws",
    default=100_000,
    show_default=True,
    type=click.IntRange(1000),
    help="Monte Carlo draws (large tables).",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Monte Carlo seed.")
@click.option("--clinical-id", default="Patient", show_default=True, help="Patient id column of CLINICAL.")
@quiet_option("Accepted as by every command; this one shows no progress yet (its lines are its results).")
def associate(features, clinical, out, labels, feature_names, tests, correction, hypotheses, preset, report_dir,
              alpha, cut, covariates, draws, seed, clinical_id, quiet):  # fmt: skip
    """Test every feature of FEATURES against the cluster columns of CLINICAL.

    FEATURES is a CSV with a 'patient' column (as `rg features` writes); CLINICAL is the clinical table
    (data.csv). Writes a tidy table (feature, label, test, n, statistic, p, p_adjusted, effect, CI, note)
    with an exploratory family (every feature x every label, Benjamini-Hochberg; the bookkeeping columns
    largest_slice and components only when named with --features) and, with --hypotheses or --preset, a
    confirmatory one.

    \b
    Example:
      rg associate features.csv kaggle_3m/data.csv --out results.csv --preset study2019 --report report
      rg associate features.csv data.csv --out r.csv --test kruskal --test logistic \\
          --covariates age_at_initial_pathologic,gender,institution
    """
    from radiogenomics.outputs import check_output
    from radiogenomics.stats.associate import AssociateConfig
    from radiogenomics.stats.run import run_associate

    if hypotheses is not None and preset is not None:
        raise click.UsageError("--hypotheses and --preset both given; choose one family")
    check_output(out, option="--out")
    if report_dir is not None:
        check_output(report_dir, option="--report", folder=True)
    has_family = hypotheses is not None or preset is not None
    config = AssociateConfig(
        tests=tuple(dict.fromkeys(tests)) or ("fisher",),
        correction=correction or "bonferroni",
        exploratory_correction=(correction or "fdr_bh") if not has_family else "fdr_bh",
        alpha=alpha,
        cut=cut,
        draws=draws,
        seed=seed,
        covariates=tuple(_names(covariates) or ()),
    )
    outputs = run_associate(
        features, clinical, out, feature_names=_names(feature_names), labels=_names(labels),
        hypotheses_path=hypotheses, preset_name=preset, report_dir=report_dir, clinical_id=clinical_id, config=config,
    )  # fmt: skip
    family = f"; {outputs.significant} of {outputs.family_size} hypotheses significant" if has_family else ""
    click.echo(f"wrote {outputs.rows} rows to {outputs.results} (settings: {outputs.sidecar}){family}")
    if outputs.unmatched:
        click.echo(
            f"{outputs.unmatched} patient id(s) in one table only, not tested: listed in {outputs.sidecar}"
        )
    if outputs.report is not None:
        click.echo(f"report: {outputs.report}")
