"""The bodies of the tasks, imported when a task runs.

`ops/tasks/<area>.py` declares each task (its flags, help and docstring: all `invoke --list` and
`invoke --help` read) and hands the work to the function of the same name here, so that the code of
every task is not compiled at each start (invoke writes no bytecode cache).
"""
