"""`invoke doctor`: checks over one shared snapshot per context, each with a stable id.

One module per concern; each check is `check(snapshot, aws) -> list[Finding]` declared with
`@check(id, title, needs)`, and `registry.all_checks()` lists them in a stable order. `run.py`
runs them and applies the few safe remedies `--fix` may apply.
"""
