"""The ``rg classify`` section of the HTML report: the AUC table and the figures, offline and escaped.

:func:`classify_section` returns an HTML fragment (for ``rg reproduce``'s report to embed);
:func:`write_classify_report` wraps it in a page of its own (``--report DIR``). Images are base64 PNGs;
every value from the data is escaped (``html.escape``), as in :mod:`radiogenomics.report`.
"""

import base64
import html
from pathlib import Path

from radiogenomics import __version__
from radiogenomics.atomic import write_text
from radiogenomics.report import STYLE, html_table

SHOWN = ("masks", "target", "feature_set", "model", "n", "classes", "auc", "ci_low", "ci_high",
         "balanced_accuracy", "perm_p", "permutations")  # fmt: skip


def _image(png: bytes, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    text = html.escape(caption, quote=True)
    return f'<figure><img alt="{text}" src="data:image/png;base64,{data}"><figcaption>{text}</figcaption></figure>'


def classify_section(result, images: dict) -> str:
    """HTML fragment: settings, the summary table, per target its dropped patients, ROC and confusion figures.

    Parameters
    ----------
    result : ClassifyResult
    images : {(masks, target): (roc_png, confusion_png)}
    """
    config = result.config
    e = html.escape
    parts = [
        "<h2>Prediction of genomic subtypes (rg classify)</h2>",
        f'<p class="muted">Nested cross-validation at patient level: {config.repeats} × stratified '
        f"{config.splits}-fold outer, {config.inner_splits}-fold inner (hyper-parameters), seed {config.seed}. "
        f"AUC: macro one-vs-rest of the repeat-averaged out-of-fold probabilities, {e(str(config.confidence))} "
        f"percentile bootstrap CI ({config.n_boot} resamples). Permutation p: {config.permutations} label shuffles, "
        f"the whole nested CV rerun ({e(', '.join(config.permutation_models))}).</p>",
        html_table(result.summary, columns=SHOWN, highlight=None),
    ]
    for target, facts in result.targets.items():
        dropped = f"{facts['unlabelled_dropped']} without a label"
        if facts["rare_classes_dropped"]:
            dropped += f"; classes with too few patients dropped: {facts['rare_classes_dropped']}"
        parts.append(f"<h3>{e(target)}</h3><p>{facts['patients']} patients, classes {e(str(facts['classes']))}; "
                     f"dropped: {e(dropped)}.</p>")  # fmt: skip
        for (masks, name), (roc, confusion) in images.items():
            if name == target:
                parts += [
                    _image(roc, f"ROC, {target}, {masks}"),
                    _image(confusion, f"Confusion, {target}, {masks}"),
                ]
    return "\n".join(parts)


def write_classify_report(result, images: dict, out_dir, *, title: str = "rg classify") -> Path:
    """Write ``out_dir/index.html`` (one offline page holding :func:`classify_section`) atomically."""
    page = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="muted">rg {html.escape(__version__)}</p>',
        classify_section(result, images),
        "</body></html>",
    ]
    path = Path(out_dir) / "index.html"
    write_text(path, "\n".join(page) + "\n")
    return path
