"""Assignment services, by subject: the engine (``engine``), exceptions (``exceptions``),
assignment rules (``rules``) and self-enrolment groups (``groups``)."""
