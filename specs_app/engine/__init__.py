"""The Socratic engine and quality control, offline and deterministic.

Data shipped with the app (data/*.yaml): the question bank, the vocabulary (technologies with
versions, quantities, rule patterns), the exclusive groups and the compatibility matrix.

Modules: bank (templates), vocabulary (recognise mentions), extraction (answer ->
specifications), next_question (category and template choice, ranking extension point),
conflicts (detection on every specification write), rules_check (user rules per
specification), quality (bias, coverage, maturity, readiness), gates (phase gates),
compatibility (the matrix), selectors (reads) and services (writes, orchestration).
"""
