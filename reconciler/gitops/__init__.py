"""GitHub glue of the cxsched Action and workflows: `python -m reconciler.gitops SUBCOMMAND`.

`steps` runs one cxsched command as a workflow step (outputs, job summary, plan comment, drift
issue); `github` is the small GitHub REST client and the texts it posts. Errors derive from
`github.GitopsError`; see the modules.
"""
