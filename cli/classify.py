"""``rg classify``: how well do shape features (and covariates) predict a subtype? Nested CV, honest AUCs."""

from pathlib import Path

import click

from cli.common import out_option, quiet_option

SETS = ("study", "shape", "covariates", "shape+covariates")  # == radiogenomics.classify.design.FEATURE_SETS
MODELS = ("logistic_l2", "elastic_net", "random_forest")  # == radiogenomics.classify.models.MODEL_NAMES


def _names(values: tuple[str, ...]) -> tuple[str, ...]:
    """Repeated and/or comma-separated names -> tuple."""
    return tuple(name.strip() for value in values for name in value.split(",") if name.strip())


@click.command()
@click.argument("features", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("clinical", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@out_option("Output folder.", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--target", "targets", multiple=True, required=True, help="Clinical column(s) to predict (repeat)."
)
@click.option("--compare", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A second feature table on the same patients (e.g. predicted masks), compared side by side.")  # fmt: skip
@click.option("--names", help="Names of FEATURES and --compare in the outputs, e.g. manual,predicted.")
@click.option("--features", "shape", multiple=True, help="Columns of the 'shape' set; default every feature.")
@click.option("--covariates", multiple=True, help="Covariates [default: age_at_initial_pathologic,gender]; "
              "'institution' comes from the TCGA id.")  # fmt: skip
@click.option(
    "--sets", multiple=True, type=click.Choice(SETS), help="Feature sets (repeat); default all four."
)
@click.option(
    "--model", "models", multiple=True, type=click.Choice(MODELS), help="Models (repeat); default all."
)
@click.option("--splits", default=5, show_default=True, type=int, help="Outer folds.")
@click.option("--repeats", default=3, show_default=True, type=int, help="Outer repeats.")
@click.option(
    "--inner-splits", default=3, show_default=True, type=int, help="Inner folds (hyper-parameters)."
)
@click.option("--permutations", default=200, show_default=True, type=int, help="Label shuffles (0: no test).")
@click.option("--permutation-model", "permutation_models", multiple=True, type=click.Choice(MODELS),
              help="Models that get the permutation test; default logistic_l2.")  # fmt: skip
@click.option(
    "--select-k", type=click.IntRange(1), help="Keep the k best features (ANOVA F), inside the folds."
)
@click.option(
    "--bootstrap", "n_boot", default=2000, show_default=True, type=click.IntRange(100), help="Resamples."
)
@click.option(
    "--seed", default=0, show_default=True, type=int, help="Seed of folds, models, bootstrap, shuffles."
)
@click.option("--jobs", "n_jobs", default=1, show_default=True, type=click.IntRange(1), help="Processes.")
@click.option(
    "--report", "report_dir", type=click.Path(file_okay=False, path_type=Path), help="Folder for index.html."
)
@click.option("--clinical-id", default="Patient", show_default=True, help="Patient id column of CLINICAL.")
@quiet_option("Accepted as by every command; this one shows no progress yet (its lines are its results).")
def classify(features, clinical, out, targets, compare, names, shape, covariates, sets, models, splits, repeats,
             inner_splits, permutations, permutation_models, select_k, n_boot, seed, n_jobs, report_dir, clinical_id,
             quiet):  # fmt: skip
    """Predict a subtype from FEATURES (+ covariates of CLINICAL) with nested cross-validation.

    Writes OUT/summary.csv (AUC with bootstrap CI, balanced accuracy, permutation p per target x feature
    set x model), auc_per_class.csv, predictions.csv (out-of-fold, per patient), folds.csv,
    figures/ (ROC, confusion) and classify.json (settings, versions).

    \b
    Example:
      rg classify features.csv kaggle_3m/data.csv --target RNASeqCluster --target death01 --out classify
      rg classify manual.csv data.csv --compare predicted.csv --names manual,predicted \\
          --target RNASeqCluster --covariates age_at_initial_pathologic,gender,institution --out c --report c
    """
    from radiogenomics.classify.compare import ClassifyConfig
    from radiogenomics.classify.run import run_classify
    from radiogenomics.outputs import check_output

    check_output(out, option="--out", folder=True)
    if report_dir is not None:
        check_output(report_dir, option="--report", folder=True)
    config = ClassifyConfig(
        targets=_names(targets), sets=tuple(dict.fromkeys(sets)) or SETS, models=tuple(dict.fromkeys(models)) or MODELS,
        covariates=_names(covariates) if covariates else ("age_at_initial_pathologic", "gender"),
        shape=_names(shape) or None, splits=splits, repeats=repeats, inner_splits=inner_splits,
        permutations=permutations, permutation_models=tuple(permutation_models) or ("logistic_l2",),
        select_k=select_k, n_boot=n_boot, seed=seed, n_jobs=n_jobs,
    )  # fmt: skip
    paths = [features] + ([compare] if compare is not None else [])
    outputs = run_classify(paths, clinical, out, config=config, names=_names((names,)) if names else None,
                           report_dir=report_dir, clinical_id=clinical_id)  # fmt: skip
    summary = outputs.result.summary
    click.echo(f"wrote {len(summary)} rows to {outputs.summary} (settings: {outputs.sidecar})")
    for target, facts in outputs.result.targets.items():
        dropped = facts["unlabelled_dropped"] + sum(facts["rare_classes_dropped"].values())
        click.echo(f"{target}: {facts['patients']} patients, {dropped} dropped (no label or rare class)")
    if outputs.report is not None:
        click.echo(f"report: {outputs.report}")
