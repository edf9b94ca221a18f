"""A self-contained HTML report of an association run: one file that opens offline in any browser.

Read top down: a summary, a heatmap of −log10 p (features × label columns), the confirmatory table, plots of
each significant (feature, label) pair (box and points, the cut as a dashed line), the exploratory table
(collapsed, sortable by a click on a header), each feature's definition and unit (from the feature table's
sidecar, when it has one), a methods paragraph written from the settings, and the unmatched patient ids.
Images are embedded as base64 PNG; the one inline script sorts tables; no style sheet, font or image is
fetched. Every value that comes from the data (names, ids, labels, numbers, notes) is escaped with
``html.escape``. :mod:`study.report` builds the study's page from the same pieces.
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
.wide { overflow-x: auto; } .wide td, .wide th { white-space: nowrap; }
.wide td:last-child { white-space: normal; min-width: 24em; }
th.sort { cursor: pointer; } th.sort:after { content: " \\2195"; color: #999; }
.methods { background: #f7f7f7; padding: 0.8em 1em; border-left: 3px solid #bbb; }
details summary { cursor: pointer; font-weight: 600; margin: 1em 0 0.5em; }
img.figure { max-width: 100%; }
"""

#: Sorts a ``table.sortable`` by the clicked column (numbers as numbers), ascending then descending.
SORT_SCRIPT = """<script>
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, column) {
    th.classList.add("sort");
    th.addEventListener("click", function () {
      var body = table.tBodies[0], rows = Array.from(body.rows), up = th.dataset.up !== "1";
      th.dataset.up = up ? "1" : "0";
      rows.sort(function (a, b) {
        var x = a.cells[column].textContent, y = b.cells[column].textContent;
        var p = parseFloat(x), q = parseFloat(y);
        var d = (isNaN(p) || isNaN(q)) ? x.localeCompare(y) : p - q;
        return up ? d : -d;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
</script>"""


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


def html_table(
    frame: pd.DataFrame,
    *,
    columns=SHOWN,
    highlight: str | None = "reject",
    sortable: bool = False,
    wide: bool = False,
) -> str:
    """An escaped HTML table of ``frame``'s ``columns``; rows where ``highlight`` is true are marked.

    ``sortable``: a click on a header sorts the rows (:data:`SORT_SCRIPT`); ``wide``: cells do not wrap (the
    last column does) and the table scrolls sideways."""
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
    table = f"<table{' class=sortable' if sortable else ''}><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"
    return f'<div class="wide">{table}</div>' if wide else table


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


def heatmap_png(tables: dict[str, pd.DataFrame], *, features: list[str], labels: list[str]) -> bytes:
    """PNG: −log10 p of Fisher's test (exploratory rows), features × labels, one panel per table.

    Parameters
    ----------
    tables : {panel title: association table} with columns feature, label, test, family, p.
    features, labels : the rows and columns drawn, in order. Cells with p < 0.05 are labelled.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    size = (2.6 + 0.6 * len(labels) * len(tables), 2.4 + 0.28 * len(features))
    figure = Figure(figsize=size, dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    grids = {}
    for name, table in tables.items():
        fisher = table[(table["test"] == "fisher") & (table["family"] == "exploratory")]
        grid = fisher.pivot_table(index="feature", columns="label", values="p", aggfunc="min")
        grids[name] = -np.log10(grid.reindex(index=features, columns=labels).to_numpy(dtype=float))
    top = max([2.0] + [float(np.nanmax(g)) for g in grids.values() if np.isfinite(g).any()])
    image = None
    for i, (name, grid) in enumerate(grids.items()):
        axes = figure.add_subplot(1, len(grids), i + 1)
        image = axes.imshow(grid, cmap="viridis", vmin=0, vmax=top, aspect="auto")
        axes.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
        axes.set_yticks(range(len(features)), features if i == 0 else [""] * len(features), fontsize=8)
        axes.set_title(name, fontsize=9)
        for (r, c), value in np.ndenumerate(grid):
            if np.isfinite(value) and value >= -math.log10(0.05):
                axes.text(c, r, f"{value:.1f}", ha="center", va="center", fontsize=7,
                          color="black" if value > top / 2 else "white")  # fmt: skip
    figure.colorbar(image, ax=figure.axes, label="−log10 p (Fisher, uncorrected)", shrink=0.8)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def figure_html(png: bytes, caption: str, *, css: str = "") -> str:
    """A ``<figure>`` with the PNG embedded (base64) and its escaped caption."""
    data = base64.b64encode(png).decode("ascii")
    klass = f' class="{_e(css)}"' if css else ""
    return (f'<figure><img{klass} alt="{_e(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")  # fmt: skip


def pair_figures(table: pd.DataFrame, data: pd.DataFrame, *, cut: float | None = None, prefix: str = "",
                 max_plots: int = 24) -> list[str]:  # fmt: skip
    """One figure (HTML) per significant (feature, label) pair of ``table``, confirmatory first.

    ``data`` holds the feature and label columns per patient; ``cut`` None: the median of the patients tested.
    """
    pairs = significant_pairs(table)
    parts = []
    for feature, label in pairs[:max_plots]:
        rows = table[(table["feature"] == feature) & (table["label"] == label) & table["reject"]]
        best = rows.sort_values("p").iloc[0]
        subset = data[[feature, label]].dropna()
        split = float(np.median(subset[feature])) if cut is None else cut
        detail = f"{best['test']} p = {_format(best['p'])}, adjusted {_format(best['p_adjusted'])} ({best['family']})"
        png = distribution_png(subset[feature], subset[label], feature=feature, label=label, cut=split,
                               title=f"{prefix}{feature} by {label}\n{detail}")  # fmt: skip
        parts.append(figure_html(png, f"{prefix}{feature} by {label}: {detail}"))
    if len(pairs) > max_plots:
        parts.append(f"<p>{len(pairs) - max_plots} more significant pairs are not plotted.</p>")
    return parts


def definitions_html(columns: dict[str, dict], names) -> str:
    """A table of each named feature's definition and unit, from a ``features.json`` ``columns`` entry."""
    frame = pd.DataFrame(
        [{"feature": n, "unit": columns[n].get("unit", ""), "definition": columns[n].get("definition", "")}
         for n in names if n in columns]
    )  # fmt: skip
    if frame.empty:
        return "<p>No definitions: the feature table has no rg features sidecar.</p>"
    return html_table(frame, columns=["feature", "unit", "definition"], highlight=None, wide=True)


def association_methods(config, family, *, unit: str | None = None) -> str:
    """The association part of a methods paragraph, from the settings that ran.

    Parameters
    ----------
    config : AssociateConfig
    family : Family or None (the confirmatory family)
    unit : how the features were measured ("pixel units", "millimetres"), or None when unknown.
    """
    cut = "its median over the patients tested" if config.cut is None else f"{config.cut:g}"
    measured = f", measured in {unit}," if unit else ""
    family_text = (
        f"The confirmatory family was {family.name} ({len(family.pairs)} pre-registered feature × subtype pairs), "
        f"corrected by {config.correction}; every feature × subtype pair was also tested as an exploratory family "
        f"corrected by {config.exploratory_correction}."
        if family is not None
        else f"All pairs form one exploratory family corrected by {config.exploratory_correction}."
    )
    covariates = (
        f" Logistic models were adjusted for {', '.join(config.covariates)}." if config.covariates else ""
    )
    return (
        f"Each feature{measured} was dichotomised at {cut}, and its association with each genomic subtype column "
        f"was tested by {', '.join(config.tests)} (Fisher's exact test for r×2 tables; exact, or Monte Carlo "
        f"with {config.draws:,} draws for large tables), α = {config.alpha:g}, at least {config.min_n} patients "
        f"with a value per test.{covariates} {family_text}"
    )


def _unit_text(spacing: dict | None) -> str | None:
    if not spacing:
        return None
    if spacing.get("unit") == "pixel":
        return "pixel units (no voxel spacing given)"
    return f"millimetres (voxel spacing {spacing.get('value')} mm, slice, row, column)"


def render_report(
    result: AssociationResult,
    *,
    title: str = "rg associate",
    max_plots: int = 24,
    sidecar: dict | None = None,
) -> str:
    """The report as one HTML string (see the module docstring).

    ``sidecar``: the feature table's ``features.json`` (definitions, units, spacing), when it has one.
    """
    from radiogenomics.stats.run import software_versions

    config = result.config
    table = result.table
    columns = (sidecar or {}).get("columns", {})
    unit = _unit_text((sidecar or {}).get("spacing"))
    confirmatory = table[table["family"] == "confirmatory"]
    exploratory = table[table["family"] == "exploratory"].sort_values("p", na_position="last")
    headline = (
        (
            f"{int(confirmatory['reject'].sum())} of {len(result.family.pairs)} hypotheses of {result.family.name} "
            f"rejected ({config.correction}); "
            if result.family is not None
            else ""
        )
        + f"{int(exploratory['reject'].sum())} of {len(exploratory)} exploratory rows ({config.exploratory_correction})."
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="muted">rg {_e(__version__)}; {len(result.data)} patients in both tables; '
        f"{_e(len(result.features))} features × {_e(len(result.labels))} label columns"
        f"{'; features in ' + _e(unit) if unit else ''}.</p>",
        f"<h2>Summary</h2><p>{_e(headline)}</p>",
        figure_html(
            heatmap_png({"": table}, features=list(result.features), labels=list(result.labels)),
            "−log10 p of Fisher's exact test (uncorrected) for every feature × label column; p < 0.05 labelled",
            css="figure",
        ),
    ]
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
            html_table(confirmatory, wide=True),
        ]
    parts.append("<h2>Significant pairs</h2>")
    plots = pair_figures(table, result.data, cut=config.cut, max_plots=max_plots)
    parts += plots or [f"<p>No pair is significant at α = {_e(config.alpha)} after correction.</p>"]
    parts += [
        f"<details><summary>Exploratory table ({len(exploratory)} rows, {_e(config.exploratory_correction)}; "
        "click a header to sort)</summary>",
        html_table(exploratory, sortable=True, wide=True),
        "</details>",
        "<h2>Features: definitions and units</h2>",
        definitions_html(columns, result.features),
        "<h2>Methods</h2>",
        f'<p class="methods">{_e(association_methods(config, result.family, unit=unit))} Software: '
        f"{_e(', '.join(f'{k} {v}' for k, v in software_versions().items()))}.</p>",
    ]
    for side, ids in (("features only", result.features_only), ("clinical table only", result.clinical_only)):
        if ids:
            parts.append(f"<p>{len(ids)} patient(s) in the {_e(side)}, not tested: {_e(', '.join(ids))}</p>")
    parts += [SORT_SCRIPT, "</body></html>"]
    return "\n".join(parts) + "\n"


def write_report(
    result: AssociationResult,
    out_dir: str | Path,
    *,
    title: str = "rg associate",
    max_plots: int = 24,
    sidecar: dict | None = None,
) -> Path:
    """Write ``out_dir/index.html`` atomically and return its path."""
    path = Path(out_dir) / "index.html"
    write_text(path, render_report(result, title=title, max_plots=max_plots, sidecar=sidecar))
    return path
