"""Assignment pages, by subject: the Assignments tab, the Exceptions tab, groups (``groups``)."""
