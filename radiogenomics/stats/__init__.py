"""Statistics of association and agreement: one idea per module.

* :mod:`~radiogenomics.stats.fisher`: exact 2×k and Monte Carlo r×c Fisher–Freeman–Halton, 2×2 with OR;
* :mod:`~radiogenomics.stats.dichotomise`: median (or given) split of a feature;
* :mod:`~radiogenomics.stats.rank_tests`: Kruskal–Wallis, Mann–Whitney one-vs-rest with AUC;
* :mod:`~radiogenomics.stats.logistic`: (multinomial) logistic regression with covariates;
* :mod:`~radiogenomics.stats.multitest`: Bonferroni, Holm, Benjamini–Hochberg;
* :mod:`~radiogenomics.stats.agreement`: ICC(2,1), ICC(3,1), Spearman with CIs;
* :mod:`~radiogenomics.stats.hypotheses`: pre-registered families (a CSV file, the study2019 preset);
* :mod:`~radiogenomics.stats.feature_table`: reading a feature CSV;
* :mod:`~radiogenomics.stats.associate`: the tidy results table of ``rg associate``;
* :mod:`~radiogenomics.stats.agree`: the agreement table of ``rg agree``.

Submodules import their heavy dependencies (statsmodels) inside the functions that need them.
"""
