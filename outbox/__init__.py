"""Background work recorded in the same transaction as the change that causes it (decision 0060).

Every app may use it (it imports no app of ours): ``outbox.services.enqueue(task, **kwargs)``.
"""
