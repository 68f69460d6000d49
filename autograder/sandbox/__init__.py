"""The sandboxed back end: student code in a forked, limited, unprivileged worker.

One module per concern: ``transport`` (the wire format, plain data only),
``zygote`` (the pre-importing parent that forks workers), ``privileges``
(namespaces, hidden paths, the uid switch), ``limits`` (rlimits), ``worker``
(the request loop inside the sandbox) and ``backend`` (the trusted side's
``Student``). See docs/design.md, "The sandbox".
"""
