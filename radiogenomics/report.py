"""A self-contained HTML report of an association run: one file that opens offline in any browser.

Tables of the confirmatory and exploratory families, the settings and the unmatched patient ids, and
for each significant (feature, label) pair a plot of the feature per class (box and points, the cut as a
dashed line), embedded as a base64 PNG. No script, no external style sheet, font or image: nothing is
fetched. Every value that comes from the data (names, ids, labels, numbers, notes) is escaped with
``html.escape``.
"""

import base64
import html
import io
import math
from pathlib import Path

import numpy as np
import pandas as pd

from radiogenomics import __version__
from radiogenomics.atomic import write_text
from radiogenomics.stats.associate import AssociationResult

#: Columns shown in the report tables, in order.
SHOWN = ("feature", "label", "level", "test", "n", "p", "p_adjusted", "reject", "effect_name", "effect",
         "ci_low", "ci_high", "note")  # fmt: skip

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } tr.sig td { background: #fff4d6; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: #666; } figure { display: inline-block; margin: 0.5em; }
figcaption { font-size: 0.85em; color: #444; max-width: 30em; }
"""


def _e(value) -> str:
    """Escape any value for HTML text or attributes."""
    return html.escape(str(value), quote=True)


def _format(value) -> str:
    if isinstance(value, bool | np.bool_):
        return "yes" if value else ""
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.3g}"
        return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.0f}"
    return str(value)


def html_table(frame: pd.DataFrame, *, columns=SHOWN, highlight: str | None = "reject") -> str:
    """An escaped HTML table of ``frame``'s ``columns``; rows where ``highlight`` is true are marked."""
    columns = [c for c in columns if c in frame.columns]
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    lines = []
    for _, row in frame.iterrows():
        css = ' class="sig"' if highlight and bool(row.get(highlight, False)) else ""
        cells = []
        for c in columns:
            value = row[c]
            numeric = isinstance(value, int | float | np.integer | np.floating) and not isinstance(
                value, bool
            )
            cells.append(f"<td{' class=num' if numeric else ''}>{_e(_format(value))}</td>")
        lines.append(f"<tr{css}>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"


def distribution_png(values, groups, *, feature: str, label: str, cut: float | None, title: str) -> bytes:
    """PNG of a feature's distribution per class: box plot with the points jittered over it.

    Parameters
    ----------
    values : (N,) array_like of float
    groups : (N,) array_like of str
    feature, label : axis names.
    cut : float or None
        Drawn as a dashed horizontal line (the dichotomisation threshold).
    title : str

    Returns
    -------
    bytes
        A PNG image (matplotlib's Agg canvas; no display needed).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    x = np.asarray(values, dtype=float)
    g = np.asarray(groups).astype(str)
    levels = sorted(np.unique(g), key=lambda s: (0, float(s)) if _is_number(s) else (1, s))
    figure = Figure(figsize=(4.8, 3.4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    samples = [x[g == level] for level in levels]
    axes.boxplot(samples, showfliers=False, widths=0.5)
    axes.set_xticks(
        range(1, len(levels) + 1),
        [f"{level}\n(n={s.size})" for level, s in zip(levels, samples, strict=True)],
    )
    rng = np.random.default_rng(0)
    for i, sample in enumerate(samples, start=1):
        axes.scatter(i + rng.uniform(-0.15, 0.15, sample.size), sample, s=10, alpha=0.6, color="tab:blue")
    if cut is not None and np.isfinite(cut):
        axes.axhline(cut, linestyle="--", color="tab:red", linewidth=1, label=f"cut {cut:.4g}")
        axes.legend(loc="best", fontsize=8, frameon=False)
    axes.set_xlabel(label)
    axes.set_ylabel(feature)
    axes.set_title(title, fontsize=9)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def significant_pairs(table: pd.DataFrame) -> list[tuple[str, str]]:
    """(feature, label) pairs with at least one rejected row, confirmatory first, then by p."""
    hits = table[table["reject"]].copy()
    hits["order"] = (hits["family"] != "confirmatory").astype(int)
    hits = hits.sort_values(["order", "p"])
    return list(dict.fromkeys(zip(hits["feature"], hits["label"], strict=True)))


def render_report(result: AssociationResult, *, title: str = "rg associate", max_plots: int = 24) -> str:
    """The report as one HTML string (see the module docstring)."""
    config = result.config
    table = result.table
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="muted">rg {_e(__version__)}; {len(result.data)} patients in both tables; '
        f"{_e(len(result.features))} features × {_e(len(result.labels))} label columns.</p>",
        "<h2>Settings</h2><ul>",
        f"<li>Tests: {_e(', '.join(config.tests))}</li>",
        f"<li>Dichotomisation cut: {_e('median of the patients in each test' if config.cut is None else config.cut)}</li>",
        f"<li>α = {_e(config.alpha)}; confirmatory correction: {_e(config.correction)}; "
        f"exploratory correction: {_e(config.exploratory_correction)}</li>",
        f"<li>Covariates (logistic): {_e(', '.join(config.covariates) or 'none')}</li>",
        f"<li>Monte Carlo (large tables only): {_e(config.draws)} draws, seed {_e(config.seed)}</li>",
        "</ul>",
    ]
    for side, ids in (("features only", result.features_only), ("clinical table only", result.clinical_only)):
        if ids:
            parts.append(f"<p>{len(ids)} patient(s) in the {_e(side)}, not tested: {_e(', '.join(ids))}</p>")
    if result.family is not None:
        m = len(result.family.pairs)
        parts += [
            f"<h2>Confirmatory family: {_e(result.family.name)} ({m} hypotheses)</h2>",
            f'<p class="muted">{_e(result.family.source)}.'
            + (
                f" Per-test threshold under Bonferroni: {_e(_format(config.alpha / max(m, 1)))}."
                if config.correction == "bonferroni"
                else ""
            )
            + "</p>",
            html_table(table[table["family"] == "confirmatory"]),
        ]
    exploratory = table[table["family"] == "exploratory"].sort_values("p", na_position="last")
    parts += [
        f"<h2>Exploratory table ({len(exploratory)} rows, {_e(config.exploratory_correction)})</h2>",
        html_table(exploratory),
        "<h2>Significant pairs</h2>",
    ]
    pairs = significant_pairs(table)
    if not pairs:
        parts.append(f"<p>No pair is significant at α = {_e(config.alpha)} after correction.</p>")
    for feature, label in pairs[:max_plots]:
        rows = table[(table["feature"] == feature) & (table["label"] == label) & table["reject"]]
        best = rows.sort_values("p").iloc[0]
        subset = result.data[[feature, label]].dropna()
        cut = float(np.median(subset[feature])) if config.cut is None else config.cut
        detail = f"{best['test']} p = {_format(best['p'])}, adjusted {_format(best['p_adjusted'])} ({best['family']})"
        caption = f"{feature} by {label}: {detail}"
        png = distribution_png(
            subset[feature],
            subset[label],
            feature=feature,
            label=label,
            cut=cut,
            title=f"{feature} by {label}\n{detail}",
        )
        data = base64.b64encode(png).decode("ascii")
        parts.append(
            f'<figure><img alt="{_e(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>"
        )
    if len(pairs) > max_plots:
        parts.append(f"<p>{len(pairs) - max_plots} more significant pairs are not plotted.</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(
    result: AssociationResult, out_dir: str | Path, *, title: str = "rg associate", max_plots: int = 24
) -> Path:
    """Write ``out_dir/index.html`` atomically and return its path."""
    path = Path(out_dir) / "index.html"
    write_text(path, render_report(result, title=title, max_plots=max_plots))
    return path
