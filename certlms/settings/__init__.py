"""Settings: base (shared), local (development), test and production."""
